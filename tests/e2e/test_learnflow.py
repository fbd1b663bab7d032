"""LearnFlow end to end: triage, concepts and progress with their owners' code, on Redis and Kafka.

One platform (three uvicorn processes, three local sidecars) per broker serves the module; each
test uses its own learner id and reads the outcome where Dapr puts it: state hashes
`<appid>||<key>` with fields `data` / `version` (S-18), and the events on the Redis streams named
after the topics (C-11) or on the Kafka topics (C-12, through the production Kafka components).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.brokers import BROKERS

pytestmark = [pytest.mark.redis, pytest.mark.slow]

FLOW = {"learning.query", "learning.routed", "learning.concept-response"}


@pytest.fixture(scope="module", params=BROKERS)
def platform(launch: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    running = launch.platform(("triage", "concepts", "progress"), broker=request.param)
    yield running
    running.stop()


def stored_state(e2e_db: Any, app_id: str, key: str) -> dict[str, Any] | None:
    """The value of a Dapr state key in Redis, checking the hash layout on the way."""
    stored = e2e_db.client.hgetall(f"{app_id}||{key}")
    if not stored:
        return None
    assert {b"data", b"version"} <= set(stored), stored
    assert int(stored[b"version"]) >= 1
    value: dict[str, Any] = json.loads(stored[b"data"])
    return value


def progress_of(e2e_db: Any, user: str) -> dict[str, Any] | None:
    return stored_state(e2e_db, "progress", f"progress:{user}")


def events_of(platform: Any, topic: str, user: str) -> list[dict[str, Any]]:
    """The payloads on `topic` about `user`."""
    found = []
    for event in platform.events(topic):
        data = event.get("data")
        if isinstance(data, dict) and data.get("user_id") == user:
            found.append(data)
    return found


def query(user: str, text: str) -> dict[str, str]:
    return {"request_id": f"r-{user}", "user_id": user, "session_id": f"s-{user}", "text": text}


def exercise(user: str, number: int, *, passed: bool) -> dict[str, object]:
    return {
        "request_id": f"r-{user}-{number}",
        "user_id": user,
        "session_id": f"s-{user}",
        "exercise_id": f"ex-{number}",
        "concept": "recursion",
        "prompt": "Write factorial recursively.",
        "passed": passed,
    }


def hint(user: str) -> dict[str, object]:
    return {
        "request_id": f"r-{user}",
        "user_id": user,
        "session_id": f"s-{user}",
        "hint": "Check the loop bound.",
        "attempt": 1,
    }


def known_learner(platform: Any, e2e_db: Any, user: str) -> None:
    """Give `user` a progress record first (the concurrent-creation case has its own test)."""
    platform.publish("code.error-hint", hint(user), via="progress")
    platform.eventually(lambda: progress_of(e2e_db, user), "the learner's first event recorded")


def test_query_flows_through_triage_and_concepts_into_progress(
    platform: Any, e2e_db: Any, user: str
) -> None:
    known_learner(platform, e2e_db, user)
    platform.publish("learning.query", query(user, "How does a for loop work?"), via="triage")

    def recorded() -> dict[str, Any] | None:
        progress = progress_of(e2e_db, user)
        return progress if progress and set(progress["topics"]) >= FLOW else None

    progress = platform.eventually(recorded, "progress recording query, routing and answer")
    assert progress["topics"] == {"code.error-hint": 1, **{topic: 1 for topic in FLOW}}
    assert progress["events"] == 4 and progress["failed"] == {}
    routed = events_of(platform, "learning.routed", user)
    assert [(r["target"], r["request_id"]) for r in routed] == [("concepts", f"r-{user}")]
    requests = events_of(platform, "learning.concept-request", user)
    assert [r["concept"] for r in requests] == ["loop"]
    answers = events_of(platform, "learning.concept-response", user)
    assert len(answers) == 1 and answers[0]["explanation"].startswith("A for loop runs its body")
    assert stored_state(e2e_db, "triage", f"session:s-{user}") == {
        "user_id": user,
        "last_target": "concepts",
        "turns": 1,
    }


def test_repeated_failed_exercises_raise_a_struggle_alert(
    platform: Any, e2e_db: Any, user: str
) -> None:
    platform.publish("exercise.response", exercise(user, 0, passed=True), via="progress")
    platform.eventually(lambda: progress_of(e2e_db, user), "the first exercise recorded")
    for number in (1, 2, 3):
        platform.publish("exercise.response", exercise(user, number, passed=False), via="progress")

    alerts = platform.eventually(
        lambda: events_of(platform, "struggle.alert", user), "struggle.alert on the stream"
    )
    assert alerts == [
        {
            "user_id": user,
            "concept": "recursion",
            "failed_attempts": 3,
            "reason": "3 failed exercises on recursion",
        }
    ]
    progress = progress_of(e2e_db, user)
    assert progress is not None and progress["failed"] == {"recursion": 3}
    assert progress["topics"] == {"exercise.response": 4}


def test_a_poison_event_goes_to_the_dead_letter_topic(
    platform: Any, e2e_db: Any, user: str
) -> None:
    event_id = f"poison-{user}"
    poison = {"user_id": user, "passed": "maybe"}  # misses required fields: never valid
    platform.publish("exercise.response", poison, via="progress", event_id=event_id)

    dead = platform.eventually(
        lambda: [e for e in platform.events("exercise.response.dlq") if e["id"] == event_id],
        "the poison event on exercise.response.dlq",
    )
    assert dead[0]["data"] == poison and dead[0]["topic"] == "exercise.response"
    assert progress_of(e2e_db, user) is None


def test_a_duplicate_delivery_is_processed_once(platform: Any, e2e_db: Any, user: str) -> None:
    event_id = f"dup-{user}"
    platform.publish("code.error-hint", hint(user), via="progress", event_id=event_id)
    platform.eventually(lambda: progress_of(e2e_db, user), "the first delivery recorded")
    platform.publish("code.error-hint", hint(user), via="progress", event_id=event_id)

    platform.eventually(
        lambda: any(event_id in line and "handled already" in line for line in platform.lines),
        "the second delivery acknowledged as a duplicate",
    )
    assert progress_of(e2e_db, user) == {
        "events": 1,
        "topics": {"code.error-hint": 1},
        "failed": {},
    }


def test_a_restarted_sidecar_is_picked_up_without_restarting_the_service(
    platform: Any, e2e_db: Any, user: str
) -> None:
    concepts = platform.runner.instance("concepts")
    pid = concepts.process.pid
    platform.call(platform.runner.stop_sidecar("concepts"))
    platform.eventually(
        lambda: platform.ready_status("concepts") == 503, "/ready 503 without sidecar"
    )
    assert concepts.process.running and concepts.process.pid == pid

    platform.call(platform.runner.start_sidecar("concepts"))
    platform.eventually(lambda: platform.ready_status("concepts") == 200, "/ready 200 again")
    assert concepts.process.running and concepts.process.pid == pid

    platform.publish("learning.query", query(user, "Explain recursion"), via="triage")
    answers = platform.eventually(
        lambda: events_of(platform, "learning.concept-response", user),
        "an answer from concepts after its sidecar restarted",
    )
    assert answers[0]["concept"] == "recursion"


def test_concurrent_first_events_of_a_new_learner_are_all_counted(
    platform: Any, e2e_db: Any, user: str
) -> None:
    learners = [f"{user}-{n}" for n in range(5)]
    for learner in learners:
        for _ in range(3):
            platform.publish("code.error-hint", hint(learner), via="progress")
    platform.eventually(
        lambda: platform.drained("code.error-hint", "progress"),
        "every event acknowledged",
    )
    assert [progress_of(e2e_db, learner)["events"] for learner in learners] == [3] * 5
