"""What other features offer pubsub: a feature that handles each event id once (`Dedupe`).

pubsub never asks which features are on: it asks the active features for a `Dedupe` and, if
one offers it, puts the units it gives where a delivery runs its handler (`run_handler` in
`<pkg>/subscribers.py`) and where the tests of a topic go. The `state` feature offers it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from synth.codegen import Unit
from synth.spec import FeatureName, ServiceSpec

__all__ = ["Dedupe", "find_dedupe"]


@runtime_checkable
class Dedupe(Protocol):
    """A feature that runs each event id's handler once."""

    def dedupe_runner(self, spec: ServiceSpec) -> tuple[Unit, ...]:
        """Units of `<pkg>/subscribers.py` in place of `run_handler` (one of them defines it).

        They may import the names `subscribers` defines from it: pubsub drops those imports.
        """
        ...

    def dedupe_first_topic_tests(self, spec: ServiceSpec) -> tuple[Unit, ...]:
        """Tests of the runner itself, run on the first subscribed topic (`FIRST`).

        Units of `tests/test_pubsub.py`: they may import its own names (`SUBSCRIBED`,
        `cloud_event` ...) from `tests.test_pubsub`: pubsub drops those imports.
        """
        ...

    def dedupe_topic_tests(self, spec: ServiceSpec) -> tuple[Unit, ...]:
        """Tests of each subscribed topic's route under the runner (over `SUBSCRIBED`)."""
        ...

    def dedupe_readme(self) -> str:
        """What the README's Events section says about it (a sentence or more)."""
        ...


def find_dedupe(active: frozenset[FeatureName]) -> Dedupe | None:
    """The active feature that offers `Dedupe`, if any."""
    from synth.features.registry import available_features  # the registry imports features

    for name, feature in available_features().items():
        if name in active and isinstance(feature, Dedupe):
            return feature
    return None
