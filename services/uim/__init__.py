"""Shared rules of the Unified Information Model."""
