"""The dedupe `state` offers pubsub (`synth.features.pubsub.hooks.Dedupe`): each event id once.

A delivery claims its event id with a first-write record before the handler runs, renews the
claim while it runs and marks it done after (`synth/runtime/state/claims.py`, written into
`<pkg>/subscribers.py` in place of pubsub's `run_handler`), with tests of those claims
(`synth/runtime/state/test_claims.py`).
"""

from __future__ import annotations

import libcst as cst

from synth.codegen import ImportRequest, Unit, build_name, build_str, expand_template
from synth.codegen.runtime import runtime_units
from synth.spec import ServiceSpec, TopicSpec

__all__ = [
    "claim_lease_seconds",
    "dedupe_first_topic_tests",
    "dedupe_readme",
    "dedupe_runner",
    "dedupe_topic_tests",
    "processed_ttl_seconds",
]

_CLAIMS = "state/claims.py"

_TESTS_ONCE = """
import json

import pytest
from dapr.aio.clients import DaprClient
from fastapi.testclient import TestClient

from {package} import subscribers
from {package}.events import EventContext
from tests.conftest import FakeDaprClient


def {duplicate}(
    app_client: TestClient, fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def handle(event: {model}, context: EventContext, client: DaprClient) -> None:
        seen.append(context.id)

    monkeypatch.setattr(subscribers, {handler}, handle)
    event = cloud_event({topic}, {payload}, "event-twice")
    first = post_cloud_event(app_client, {route}, event)
    second = post_cloud_event(app_client, {route}, event)
    assert [first.json(), second.json()] == [{"status": "SUCCESS"}, {"status": "SUCCESS"}]
    assert seen == ["event-twice"]
    saved = [call for name, call in fake_dapr.calls if name == "save_state"]
    assert {(call["store_name"], call["key"]) for call in saved} == {({store}, {key})}
    claim = {"contentType": "application/json", "ttlInSeconds": {lease}}
    done = {"contentType": "application/json", "ttlInSeconds": {ttl}}
    assert [(json.loads(call["value"])["done"], call["state_metadata"]) for call in saved] == [
        (False, claim),  # the first delivery claims the id for the lease
        (True, done),  # and marks it done when its handler returned
        (False, claim),  # the redelivery's claim is refused: the record exists
    ]
    assert json.loads(fake_dapr.state[({store}, {key})][0])["done"] is True
"""
_CLAIM_TESTS = "state/test_claims.py"


def dedupe_runner(spec: ServiceSpec) -> tuple[Unit, ...]:
    """The claims and the `run_handler` that uses them (the runtime module, docstring aside)."""
    return runtime_units(_CLAIMS, spec.package, docstring=False).units


def _constant(name: str) -> int:
    """An integer constant of the claims runtime module: the module is where it is set."""
    for unit in runtime_units(_CLAIMS, "service", docstring=False).units:
        node = unit.node
        if unit.identity == ("assign", name) and isinstance(node, cst.SimpleStatementLine):
            statement = node.body[0]
            if isinstance(statement, cst.Assign) and isinstance(statement.value, cst.Integer):
                return statement.value.evaluated_value
    raise LookupError(f"{_CLAIMS} sets no integer {name}")


def processed_ttl_seconds() -> int:
    """How long a done claim is kept (`PROCESSED_TTL_SECONDS`)."""
    return _constant("PROCESSED_TTL_SECONDS")


def claim_lease_seconds() -> int:
    """How long a claim lives unless renewed (`CLAIM_LEASE_SECONDS`)."""
    return _constant("CLAIM_LEASE_SECONDS")


def dedupe_first_topic_tests(
    spec: ServiceSpec, topic: TopicSpec, model: ImportRequest
) -> tuple[Unit, ...]:
    """The claims' own tests (concurrent deliveries, renewal, release, store down).

    They are `synth/runtime/state/test_claims.py`'s, run on the first subscribed topic through
    the `FIRST_*` constants pubsub generates in `tests/test_pubsub.py`.
    """
    return runtime_units(_CLAIM_TESTS, spec.package, docstring=False).units


def dedupe_topic_tests(
    spec: ServiceSpec, topic: TopicSpec, model: ImportRequest
) -> tuple[Unit, ...]:
    """A redelivery of one topic's event through its route is handled once."""
    units = _units(
        _TESTS_ONCE,
        duplicate=build_name(f"test_{topic.snake}_redelivered_event_is_handled_once"),
        store=build_str(spec.state_store),
        key=build_str(f"processed:{topic.topic}:event-twice"),
        ttl=build_str(str(processed_ttl_seconds())),
        lease=build_str(str(claim_lease_seconds())),
        package=build_name(spec.package),
        model=build_name(topic.model_name),
        handler=build_str(topic.handler_name),
        route=build_str(topic.route(spec.pubsub)),
        topic=build_str(topic.topic),
        payload=build_name(topic.payload_name),
    )
    return tuple(Unit(u.node, (*u.imports, model)) for u in units)


def dedupe_readme() -> str:
    """The Events section's sentences on handling an event id once."""
    return (
        "An event id is handled once, even when two replicas get it at the same moment: a "
        "delivery first claims it with a first-write `processed:<topic>:<id>` record (a lease "
        f"of {claim_lease_seconds()} s, renewed while the handler runs, so the event of a "
        "process that died is free again within one lease), runs the handler, then marks the "
        "record done (kept "
        f"{processed_ttl_seconds()} s). A delivery of a done event answers `SUCCESS` without "
        "running; one that arrives while another holds the claim answers `RETRY`; a failed "
        "handler releases its claim for the redelivery."
    )


def _units(template: str, **nodes: cst.CSTNode) -> tuple[Unit, ...]:
    return expand_template(template, nodes).units
