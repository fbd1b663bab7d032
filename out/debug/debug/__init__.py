"""The debug service."""
