"""Fixtures for the manifest tests."""

from __future__ import annotations

import pytest

from synth.spec import ServiceSpec

from .samples import learnflow_spec


@pytest.fixture
def triage() -> ServiceSpec:
    return learnflow_spec("triage")


@pytest.fixture
def code_review() -> ServiceSpec:
    return learnflow_spec("code-review")
