"""The six LearnFlow specs and feature sets for the manifest and check tests."""

from __future__ import annotations

from pathlib import Path

from synth.features.registry import always_on
from synth.spec import FeatureName, ServiceSpec, load_spec

SPECS = Path(__file__).resolve().parents[2] / "specs"


def learnflow_specs() -> list[ServiceSpec]:
    return [load_spec(path) for path in sorted(SPECS.glob("*.yaml"))]


def learnflow_spec(name: str) -> ServiceSpec:
    return load_spec(SPECS / f"{name}.yaml")


def features_of(spec: ServiceSpec) -> frozenset[FeatureName]:
    return frozenset(spec.features) | always_on()
