"""Tests of code-coach."""
