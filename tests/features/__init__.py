"""Tests of the feature modules (a package: tests/sidecar has a test_pubsub.py too)."""
