"""The progress service."""
