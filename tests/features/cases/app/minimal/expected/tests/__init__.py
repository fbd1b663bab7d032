"""Tests of hello."""
