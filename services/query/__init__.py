"""The unified query (issue 6)."""
