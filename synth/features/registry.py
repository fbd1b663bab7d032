"""Which features exist (discovered: a new feature is a new module) and in what order they apply.

The plan orders features by their declared requirements, ties broken by name, so the order a
user types in `--with` never changes the output.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from functools import cache

import synth.features as package
from synth.errors import FeatureError
from synth.features.base import Feature
from synth.spec import FeatureName, ServiceSpec

__all__ = [
    "always_on",
    "available_features",
    "declared_features",
    "missing_for_features",
    "parse_feature_names",
    "plan_features",
]

_NOT_FEATURES = frozenset({"base", "registry"})


@cache
def available_features() -> dict[FeatureName, Feature]:
    """Every implemented feature, by name, discovered from this package's modules."""
    found: dict[FeatureName, Feature] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in _NOT_FEATURES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Feature)
                and value is not Feature
                and value.__module__ == module.__name__
            ):
                found[value.name] = value()
    return found


def always_on() -> frozenset[FeatureName]:
    """The features every service has (they cannot be added or removed)."""
    return frozenset(name for name, feature in available_features().items() if feature.always)


def parse_feature_names(text: str) -> list[FeatureName]:
    """`state,pubsub` -> FeatureNames; unknown or not-yet-available names are a FeatureError."""
    names: list[FeatureName] = []
    available = available_features()
    for raw in (part.strip() for part in text.split(",")):
        if not raw:
            continue
        try:
            name = FeatureName(raw)
        except ValueError:
            known = ", ".join(f.value for f in FeatureName)
            raise FeatureError(f"unknown feature '{raw}'; choose from: {known}") from None
        if name not in available:
            have = ", ".join(sorted(f.value for f in available))
            raise FeatureError(
                f"feature '{raw}' is not available in this synth yet; available: {have}"
            )
        names.append(name)
    return names


def plan_features(requested: Iterable[FeatureName]) -> list[Feature]:
    """The requested features plus the always-on ones and their requirements, dependency-ordered."""
    available = available_features()
    wanted: set[FeatureName] = set(always_on())
    pending = list(requested)
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        if name not in available:
            raise FeatureError(f"feature '{name}' is not available in this synth yet")
        wanted.add(name)
        pending.extend(available[name].requires)
    ordered: list[Feature] = []
    placed: set[FeatureName] = set()
    while len(ordered) < len(wanted):
        ready = sorted(
            (n for n in wanted - placed if set(available[n].requires) <= placed),
            key=lambda n: (not available[n].always, _canonical_rank(n)),
        )
        if not ready:
            raise FeatureError("features require each other in a cycle: " + ", ".join(wanted))
        ordered.append(available[ready[0]])
        placed.add(ready[0])
    return ordered


def _canonical_rank(name: FeatureName) -> int:
    return list(FeatureName).index(name)


def missing_for_features(spec: ServiceSpec, features: Iterable[FeatureName]) -> str | None:
    """What the spec lacks for `features` (e.g. invoke with nothing to invoke), or None."""
    available = available_features()
    for name in features:
        if name in available and (problem := available[name].missing(spec)):
            return problem
    return None


def declared_features(spec: ServiceSpec) -> tuple[FeatureName, ...]:
    """The optional features whose pieces `spec` declares, in canonical order."""
    available = available_features()
    return tuple(
        name
        for name in sorted(available, key=_canonical_rank)
        if not available[name].always and available[name].declared_in(spec)
    )
