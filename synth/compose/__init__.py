"""Composition: features' contributions put into the workspace, file by file."""
