"""Tests of code-review."""
