"""Faults around the progress service: its state Redis going away, and two replicas competing.

The outage uses a second `redis-server` this test starts on a free port (the shared server on
6379 is never stopped): the service's state store points there, its pub/sub stays on 6379.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import pytest
import redis

from tests.e2e.spare_redis import SpareRedis

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def hint(user: str) -> dict[str, object]:
    return {
        "request_id": f"r-{user}",
        "user_id": user,
        "session_id": f"s-{user}",
        "hint": "Print the variable before the failing line.",
        "attempt": 1,
    }


def progress_in(client: redis.Redis, user: str) -> dict[str, Any] | None:
    stored = client.hgetall(f"progress||progress:{user}")
    return json.loads(stored[b"data"]) if stored else None


def dead_letters(client: redis.Redis, topic: str) -> list[str]:
    return [json.loads(f[b"data"])["id"] for _id, f in client.xrange(f"{topic}.dlq")]


def outcomes(lines: Iterable[str], topic: str) -> dict[str, str]:
    """What the generated subscriber answered per event id: RETRY, or DROP (dead-lettered)."""
    found: dict[str, str] = {}
    for line in lines:
        match = OUTCOME.search(line)
        if match and match["topic"] == topic:
            found.setdefault(match["id"], "RETRY" if match["what"] == "will be" else "DROP")
    return found


OUTCOME = re.compile(r"event (?P<id>\S+) on (?P<topic>\S+) (?P<what>will be|failed; dropped)")


def test_a_state_store_outage_is_retried_and_loses_no_event(
    launch: Any, e2e_db: Any, user: str, spare_redis: SpareRedis
) -> None:
    folder = launch.copy(("progress",))
    components = folder / "progress" / "components" / "local"
    launch.point_component(components / "statestore.yaml", spare_redis.url)
    launch.point_component(components / "pubsub.yaml", e2e_db.url)
    platform = launch.platform(folder=folder, own_components=True)
    users = [f"{user}-{n}" for n in range(3)]
    try:
        spare_redis.stop()
        for learner in users:
            platform.publish("code.error-hint", hint(learner), via="progress")
        answered = platform.eventually(
            lambda: (found := outcomes(platform.lines, "code.error-hint"))
            and len(found) == len(users)
            and found,
            "the subscriber's answer to every event while the state store is down",
        )
        assert set(answered.values()) == {"RETRY"}, answered
        assert platform.runner.instance("progress").process.running
        spare_redis.start()
        platform.eventually(
            lambda: all(progress_in(spare_redis.client, u) for u in users),
            "every event recorded once the state store is back",
        )
    finally:
        platform.stop()
    for learner in users:
        assert progress_in(spare_redis.client, learner) == {
            "events": 1,
            "topics": {"code.error-hint": 1},
            "failed": {},
        }
    assert dead_letters(e2e_db.client, "code.error-hint") == []


def test_two_replicas_of_one_app_id_handle_each_event_once(
    launch: Any, e2e_db: Any, user: str
) -> None:
    platform = launch.platform(("progress",), replicas={"progress": 2})
    users = [f"{user}-{n}" for n in range(12)]
    try:
        for learner in users:
            platform.publish("code.error-hint", hint(learner), via="progress")
        platform.eventually(
            lambda: all(progress_in(e2e_db.client, u) for u in users),
            "every event recorded by one of the replicas",
        )
        platform.eventually(
            lambda: e2e_db.client.xpending("code.error-hint", "progress")["pending"] == 0,
            "every event acknowledged",
        )
        lines = list(platform.lines)
    finally:
        platform.stop()
    for learner in users:
        assert progress_in(e2e_db.client, learner) == {
            "events": 1,
            "topics": {"code.error-hint": 1},
            "failed": {},
        }
    assert not [line for line in lines if "handled already" in line]
    assert {"progress", "progress#2"} <= {line[1:].split("]")[0] for line in lines}
