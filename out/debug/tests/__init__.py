"""Tests of debug."""
