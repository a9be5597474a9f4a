"""INSIGHT analytics (issue 7)."""
