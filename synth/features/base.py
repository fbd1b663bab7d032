"""What a feature is, and what it contributes to a service.

A feature is one class in one module of this package: a name, the features it requires, a
one-line summary, and `contribute(spec, active)`, a pure function from the spec to the units,
dependencies, settings, environment variables and README sections it owns. Features never write
files, never import each other's internals, and never add imports by hand: their units declare
what they need and one pass adds it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

from synth.codegen import Unit
from synth.spec import FeatureName, ServiceSpec

__all__ = ["Contribution", "EnvVar", "Feature", "ReadmeSection"]


@dataclass(frozen=True)
class EnvVar:
    """A setting the service reads from its environment."""

    name: str
    default: str
    description: str
    secret: bool = False


@dataclass(frozen=True)
class ReadmeSection:
    """A `## heading` section of the service README, identified by its heading."""

    heading: str
    body: str


@dataclass(frozen=True)
class Contribution:
    """Everything one feature adds to one service."""

    python: dict[str, tuple[Unit, ...]] = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()
    dev_dependencies: tuple[str, ...] = ()
    env: tuple[EnvVar, ...] = ()
    readme: tuple[ReadmeSection, ...] = ()


class Feature(ABC):
    """One capability a service can have; subclasses live one per module in this package."""

    name: ClassVar[FeatureName]
    requires: ClassVar[tuple[FeatureName, ...]] = ()
    summary: ClassVar[str]
    always: ClassVar[bool] = False

    @abstractmethod
    def contribute(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> Contribution:
        """The units and metadata this feature owns for `spec` (pure; called once per run)."""
