"""The biometric core (issue 5)."""
