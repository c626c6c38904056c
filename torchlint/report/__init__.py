"""Reporters: pure functions from a list of findings to the text a user reads."""
