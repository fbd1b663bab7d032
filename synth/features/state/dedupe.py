"""The dedupe `state` offers pubsub (`synth.features.pubsub.hooks.Dedupe`): each event id once.

A delivery claims its event id with a first-write record before the handler runs, renews the
claim while it runs and marks it done after (`synth/runtime/state/claims.py`, written into
`<pkg>/subscribers.py` in place of pubsub's `run_handler`), with tests of those claims.
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
_TESTS_CLAIMS = '''
import asyncio

import grpc
import pytest
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from grpc.aio import AioRpcError, Metadata

from {package} import subscribers
from {package}.events import EventContext
from tests.conftest import FakeDaprClient


def delivery_context(event_id: str) -> EventContext:
    """The context of a delivery of the first subscribed topic."""
    return EventContext(id=event_id, source="tests", type="com.dapr.event.sent", topic={topic})


def test_two_deliveries_of_one_id_at_the_same_moment_run_the_handler_once(
    fake_dapr: FakeDaprClient,
) -> None:
    runs: list[str] = []

    async def handle(event: {model}, context: EventContext, client: DaprClient) -> None:
        runs.append(context.id)
        await asyncio.sleep(0.05)

    event = {model}.model_validate({payload})
    context = delivery_context("event-at-once")

    async def both() -> list[str]:
        first = subscribers.run_handler(handle, event, context, fake_dapr)
        second = subscribers.run_handler(handle, event, context, fake_dapr)
        return sorted(await asyncio.gather(first, second))

    assert asyncio.run(both()) == ["RETRY", "SUCCESS"]
    assert runs == ["event-at-once"]
    later = asyncio.run(subscribers.run_handler(handle, event, context, fake_dapr))
    assert (later, runs) == ("SUCCESS", ["event-at-once"])


def test_a_long_handler_renews_its_claim_until_it_is_done(
    fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subscribers, "CLAIM_RENEWAL_SECONDS", 0.01)

    async def handle(event: {model}, context: EventContext, client: DaprClient) -> None:
        await asyncio.sleep(0.1)

    event = {model}.model_validate({payload})
    context = delivery_context("event-long")
    assert asyncio.run(subscribers.run_handler(handle, event, context, fake_dapr)) == "SUCCESS"
    saves = [c for n, c in fake_dapr.calls if n == "save_state"]
    leases = [c["state_metadata"]["ttlInSeconds"] for c in saves]
    assert leases[0] == leases[1] == str(subscribers.CLAIM_LEASE_SECONDS)
    assert leases[-1] == str(subscribers.PROCESSED_TTL_SECONDS)
    assert [c["etag"] is not None for c in saves][1:] == [True] * (len(saves) - 1)


def test_a_failed_handler_releases_its_claim_for_the_redelivery(
    fake_dapr: FakeDaprClient,
) -> None:
    runs: list[str] = []

    async def handle(event: {model}, context: EventContext, client: DaprClient) -> None:
        runs.append(context.id)
        if len(runs) == 1:
            raise AioRpcError(grpc.StatusCode.UNAVAILABLE, Metadata(), Metadata(), "restart")

    event = {model}.model_validate({payload})
    context = delivery_context("event-retried")
    first = asyncio.run(subscribers.run_handler(handle, event, context, fake_dapr))
    second = asyncio.run(subscribers.run_handler(handle, event, context, fake_dapr))
    assert (first, second, runs) == ("RETRY", "SUCCESS", ["event-retried", "event-retried"])


def test_a_delivery_while_the_store_is_down_is_retried_without_running(
    fake_dapr: FakeDaprClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[str] = []

    async def handle(event: {model}, context: EventContext, client: DaprClient) -> None:
        runs.append(context.id)

    async def store_down(*args: object, **kwargs: object) -> None:
        cause = AioRpcError(grpc.StatusCode.UNAVAILABLE, Metadata(), Metadata(), "redis down")
        raise DaprInternalError("redis down") from cause

    monkeypatch.setattr(fake_dapr, "save_state", store_down)
    monkeypatch.setattr(fake_dapr, "get_state", store_down)
    event = {model}.model_validate({payload})
    status = asyncio.run(
        subscribers.run_handler(handle, event, delivery_context("event-down"), fake_dapr)
    )
    assert (status, runs) == ("RETRY", [])
'''


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
    """The claims' own tests (concurrent deliveries, renewal, release, store down)."""
    units = _units(
        _TESTS_CLAIMS,
        package=build_name(spec.package),
        topic=build_str(topic.topic),
        payload=build_name(topic.payload_name),
        model=build_name(topic.model_name),
    )
    return tuple(Unit(u.node, (*u.imports, model)) for u in units)


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
