"""Owner code of the progress service (copied over the generated `progress/handlers.py`).

Records every event it sees in `progress:{user_id}` (events, per-topic counts, failed attempts
per concept) through the generated state helper, and publishes `struggle.alert` when a learner
fails the same concept's exercises STRUGGLE_THRESHOLD times.
"""

# Imports are sorted as inside the service, where its package is first-party:
# ruff: noqa: I001
from __future__ import annotations

import logging
from typing import Protocol

from dapr.aio.clients import DaprClient

from progress.events import (
    CodeErrorHint,
    CodeReviewFeedback,
    EventContext,
    ExerciseResponse,
    LearningConceptResponse,
    LearningQuery,
    LearningRouted,
    StruggleAlert,
)
from progress.publishers import publish_struggle_alert
from progress.state import ProgressState, update_progress

logger = logging.getLogger(__name__)

STRUGGLE_THRESHOLD = 3


async def record(
    client: DaprClient, user_id: str, context: EventContext, failed_concept: str | None = None
) -> ProgressState:
    """Count one event of `context.topic` for `user_id` (and a failure of `failed_concept`)."""

    def count(current: ProgressState | None) -> ProgressState:
        state = current or ProgressState(events=0, topics={}, failed={})
        topics = {**state.topics, context.topic: state.topics.get(context.topic, 0) + 1}
        failed = dict(state.failed)
        if failed_concept is not None:
            failed[failed_concept] = failed.get(failed_concept, 0) + 1
        return ProgressState(events=state.events + 1, topics=topics, failed=failed)

    return await update_progress(client, user_id, count)


class UserEvent(Protocol):
    """Every LearnFlow event names its learner."""

    user_id: str


async def record_event(event: UserEvent, context: EventContext, client: DaprClient) -> None:
    """Record any event of a learner."""
    await record(client, event.user_id, context)


async def on_learning_query(
    event: LearningQuery, context: EventContext, client: DaprClient
) -> None:
    """Record a learner's query."""
    await record_event(event, context, client)


async def on_learning_routed(
    event: LearningRouted, context: EventContext, client: DaprClient
) -> None:
    """Record where triage sent a query."""
    await record_event(event, context, client)


async def on_learning_concept_response(
    event: LearningConceptResponse, context: EventContext, client: DaprClient
) -> None:
    """Record an explanation the learner received."""
    await record_event(event, context, client)


async def on_code_review_feedback(
    event: CodeReviewFeedback, context: EventContext, client: DaprClient
) -> None:
    """Record review feedback."""
    await record_event(event, context, client)


async def on_code_error_hint(
    event: CodeErrorHint, context: EventContext, client: DaprClient
) -> None:
    """Record a debugging hint."""
    await record_event(event, context, client)


async def on_exercise_response(
    event: ExerciseResponse, context: EventContext, client: DaprClient
) -> None:
    """Record an exercise result; the STRUGGLE_THRESHOLD-th failure raises `struggle.alert`."""
    failed_concept = event.concept if event.passed is False else None
    state = await record(client, event.user_id, context, failed_concept)
    failures = state.failed.get(event.concept, 0)
    if failed_concept is not None and failures == STRUGGLE_THRESHOLD:
        alert = StruggleAlert(
            user_id=event.user_id,
            concept=event.concept,
            failed_attempts=failures,
            reason=f"{failures} failed exercises on {event.concept}",
        )
        await publish_struggle_alert(client, alert, trace=context)
        logger.warning("struggle alert for %s on %s", event.user_id, event.concept)
