"""The code-coach service."""
