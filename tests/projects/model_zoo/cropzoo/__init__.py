"""A model zoo picked by name: one factory chooses among nine classes (issue #20)."""
