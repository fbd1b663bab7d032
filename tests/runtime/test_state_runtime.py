"""The state runtime (`synth/runtime/state/`): ETag conflicts and exactly-once claims, directly."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import grpc
from dapr.clients.exceptions import DaprInternalError
from dapr.clients.grpc._state import Concurrency
from grpc.aio import AioRpcError, Metadata
from pydantic import BaseModel

from synth.features.state import dedupe
from synth.runtime.pubsub.events import EventContext
from synth.runtime.state import claims, state


def _aborted() -> DaprInternalError:
    error = DaprInternalError("etag mismatch")
    error.__cause__ = AioRpcError(grpc.StatusCode.ABORTED, Metadata(), Metadata(), "etag")
    return error


@dataclass
class _Response:
    data: bytes
    etag: str


@dataclass
class _Store:
    """Just enough of a Dapr client: first-write and ETag rules on a dict."""

    items: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    versions: int = 0
    ttls: list[str] = field(default_factory=list)

    async def get_state(self, store: str, key: str) -> _Response:
        data, etag = self.items.get(key, (b"", ""))
        return _Response(data, etag)

    async def save_state(self, store: str, key: str, value: str, **kwargs: Any) -> None:
        etag, current = kwargs.get("etag"), self.items.get(key)
        first = getattr(kwargs.get("options"), "concurrency", None) is Concurrency.first_write
        if (etag is not None and (current is None or current[1] != etag)) or (
            first and etag is None and current is not None
        ):
            raise _aborted()
        self.ttls.append(kwargs["state_metadata"].get("ttlInSeconds", ""))
        self.versions += 1
        self.items[key] = (value.encode(), str(self.versions))

    async def delete_state(self, store: str, key: str, **kwargs: Any) -> None:
        self.items.pop(key, None)


class _Event(BaseModel):
    n: int


def test_an_etag_conflict_is_recognised_through_daprs_wrapper() -> None:
    assert state.is_etag_conflict(_aborted())
    assert not state.is_etag_conflict(DaprInternalError("store down"))


def test_update_value_retries_after_losing_a_race() -> None:
    store = _Store()
    calls: list[int | None] = []

    def change(current: _Event | None) -> _Event:
        calls.append(current.n if current else None)
        if len(calls) == 1:  # another replica creates the key meanwhile
            store.items["k"] = (_Event(n=10).model_dump_json().encode(), "other")
        return _Event(n=(current.n if current else 0) + 1)

    value = asyncio.run(state.update_value(store, "k", _Event, change))  # type: ignore[arg-type]
    assert (value.n, calls) == (11, [None, 10])


def test_an_event_id_is_handled_once_and_kept_done_for_the_processed_ttl() -> None:
    store, runs = _Store(), []

    async def handle(event: _Event, context: EventContext, client: object) -> None:
        runs.append(context.id)

    context = EventContext(id="e1", source="tests", type="t", topic="in.topic")

    async def twice() -> list[str]:
        run = claims.run_handler
        first = await run(handle, _Event(n=1), context, store)  # type: ignore[arg-type]
        second = await run(handle, _Event(n=1), context, store)  # type: ignore[arg-type]
        return [first, second]

    assert asyncio.run(twice()) == ["SUCCESS", "SUCCESS"]
    assert runs == ["e1"]
    lease, done = str(claims.CLAIM_LEASE_SECONDS), str(claims.PROCESSED_TTL_SECONDS)
    assert store.ttls == [lease, done]
    assert claims.Claim.model_validate_json(store.items["processed:in.topic:e1"][0]).done


def test_the_feature_reads_its_numbers_from_the_runtime_module() -> None:
    assert dedupe.processed_ttl_seconds() == claims.PROCESSED_TTL_SECONDS
    assert dedupe.claim_lease_seconds() == claims.CLAIM_LEASE_SECONDS
    assert f"a lease of {claims.CLAIM_LEASE_SECONDS} s" in dedupe.dedupe_readme()


def test_a_claim_lease_ends_before_the_redeliveries_do() -> None:
    """Before: a 15 s lease outlived Dapr's redeliveries, so the event of a handler killed
    mid-way was dead-lettered (the kill -9 fault test lost one on a loaded machine). After:
    both the Resiliency's redeliver policy and the local sidecar redeliver past the lease."""
    from pathlib import Path

    from ruamel.yaml import YAML

    from synth.sidecar.config import RedeliveryPolicy

    root = Path(__file__).resolve().parents[2]
    resiliency = YAML().load((root / "out/progress/k8s/base/dapr-resiliency.yaml").read_text())
    redeliver = resiliency["spec"]["policies"]["retries"]["redeliver"]
    assert redeliver["policy"] == "constant"
    cluster_budget = float(redeliver["duration"].removesuffix("s")) * redeliver["maxRetries"]
    local = RedeliveryPolicy()
    local_budget = sum(local.delay(n) for n in range(1, local.max_attempts))
    assert min(cluster_budget, local_budget) > claims.CLAIM_LEASE_SECONDS
