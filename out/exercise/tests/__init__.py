"""Tests of exercise."""
