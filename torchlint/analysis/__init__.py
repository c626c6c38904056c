"""Value-flow analysis: what kind of value each expression holds, and where it goes."""
