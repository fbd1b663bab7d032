"""Tests of concepts."""
