"""Biometric engine benchmark (issue 5)."""
