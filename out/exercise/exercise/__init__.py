"""The exercise service."""
