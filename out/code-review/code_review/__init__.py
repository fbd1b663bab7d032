"""The code-review service."""
