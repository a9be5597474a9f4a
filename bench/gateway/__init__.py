"""Gateway benchmark (issue 8)."""
