"""The concepts service."""
