"""The `pubsub` feature: typed events, CloudEvent subscribers and typed publishers.

For a service that subscribes to `code.error-request` and publishes `code.error-hint`:

    <pkg>/events.py       class CodeErrorRequest(BaseModel), class CodeErrorHint(BaseModel),
                          EventContext (the envelope's id, source, type, topic, trace)
    <pkg>/subscribers.py  GET /dapr/subscribe, and
                          @subscriber("code.error-request", "/events/pubsub/code.error-request")
                          async def receive_code_error_request(request) -> {"status": ...}
    <pkg>/handlers.py     async def on_code_error_request(event, context, client)  # owner's seam
    <pkg>/publishers.py   async def publish_code_error_hint(client, event, *, trace=None)

Deliveries always answer 200 with an explicit status: SUCCESS, DROP (invalid payload; Dapr
dead-letters it) or RETRY (transient failure). A feature that offers `hooks.Dedupe` (the
`state` feature does) handles each event id once: its runner takes the place of `run_handler`
and its tests join each topic's. Events published while a delivery is handled take CloudEvent
ids derived from it, so a retried handler republishes under the same ids.

The fixed runtime is synth/runtime/pubsub/ (events, subscribers, handlers, publishers, and the
tests' helpers); this package builds what the topics shape: `events` (models), `subscribers`
(receivers, handlers), `publishers`, `tests` (with `test_templates`) and `readme`.
"""

from __future__ import annotations

from typing import ClassVar

from synth.codegen import Unit
from synth.features.base import Contribution, DeployPieces, Feature, ReadmeSection, settings_units
from synth.features.pubsub.deploy import deployment
from synth.features.pubsub.events import distinct_topics, events_units
from synth.features.pubsub.hooks import find_dedupe
from synth.features.pubsub.publishers import publishers_units
from synth.features.pubsub.readme import events_readme
from synth.features.pubsub.subscribers import handlers_units, main_units, subscribers_units
from synth.features.pubsub.tests import tests_units
from synth.spec import FeatureName, ServiceSpec

__all__ = ["PubSubFeature"]


class PubSubFeature(Feature):
    """Typed events, CloudEvent subscribers with explicit statuses, typed publishers."""

    name: ClassVar[FeatureName] = FeatureName.PUBSUB
    requires: ClassVar[tuple[FeatureName, ...]] = (FeatureName.APP,)
    summary: ClassVar[str] = "typed events, CloudEvent subscribers (SUCCESS/RETRY/DROP), publishers"

    def declared_in(self, spec: ServiceSpec) -> bool:
        return bool(spec.subscribes or spec.publishes)

    def deployment(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> DeployPieces:
        return deployment(spec, active)

    def contribute(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> Contribution:
        deploy = self.deployment(spec, active)
        dedupe = find_dedupe(active)
        subscribed = list(spec.subscribes)
        published = list(spec.publishes)
        topics = distinct_topics(subscribed + published)
        python: dict[str, tuple[Unit, ...]] = {
            f"{spec.package}/settings.py": settings_units(deploy.env),
            f"{spec.package}/events.py": events_units(spec, topics),
            f"{spec.package}/subscribers.py": subscribers_units(spec, subscribed, dedupe),
            f"{spec.package}/main.py": main_units(spec),
            "tests/test_pubsub.py": tests_units(spec, subscribed, published, topics, dedupe),
        }
        if subscribed:
            python[f"{spec.package}/handlers.py"] = handlers_units(spec, subscribed)
        if published:
            python[f"{spec.package}/publishers.py"] = publishers_units(spec, published)
        said = dedupe.dedupe_readme() if dedupe is not None else ""
        return Contribution(
            python=python,
            deploy=deploy,
            readme=(ReadmeSection("Events", events_readme(spec, subscribed, published, said)),),
        )
