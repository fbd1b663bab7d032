"""What the progress service does with each event: the owner's code, one function per subscribed
topic.

synth wrote each function once (it only logs the event) and never rewrites one you changed.
Return normally when done; raise to fail: transient failures (Dapr unreachable, timeouts, gRPC
UNAVAILABLE) are retried, any other exception dead-letters the event.
"""

import logging

from dapr.aio.clients import DaprClient

from progress.events import (
    CodeErrorHint,
    CodeReviewFeedback,
    EventContext,
    ExerciseResponse,
    LearningConceptResponse,
    LearningQuery,
    LearningRouted,
)

logger = logging.getLogger(__name__)


async def on_learning_query(
    event: LearningQuery, context: EventContext, client: DaprClient
) -> None:
    """Handle one `learning.query` event.

    This is the extension point: the service's logic goes here.
    """
    logger.info(
        "%s event %s received",
        context.topic,
        context.id,
        extra={"fields": {"topic": context.topic, "event_id": context.id}},
    )


async def on_learning_routed(
    event: LearningRouted, context: EventContext, client: DaprClient
) -> None:
    """Handle one `learning.routed` event.

    This is the extension point: the service's logic goes here.
    """
    logger.info(
        "%s event %s received",
        context.topic,
        context.id,
        extra={"fields": {"topic": context.topic, "event_id": context.id}},
    )


async def on_learning_concept_response(
    event: LearningConceptResponse, context: EventContext, client: DaprClient
) -> None:
    """Handle one `learning.concept-response` event.

    This is the extension point: the service's logic goes here.
    """
    logger.info(
        "%s event %s received",
        context.topic,
        context.id,
        extra={"fields": {"topic": context.topic, "event_id": context.id}},
    )


async def on_code_review_feedback(
    event: CodeReviewFeedback, context: EventContext, client: DaprClient
) -> None:
    """Handle one `code.review-feedback` event.

    This is the extension point: the service's logic goes here.
    """
    logger.info(
        "%s event %s received",
        context.topic,
        context.id,
        extra={"fields": {"topic": context.topic, "event_id": context.id}},
    )


async def on_code_error_hint(
    event: CodeErrorHint, context: EventContext, client: DaprClient
) -> None:
    """Handle one `code.error-hint` event.

    This is the extension point: the service's logic goes here.
    """
    logger.info(
        "%s event %s received",
        context.topic,
        context.id,
        extra={"fields": {"topic": context.topic, "event_id": context.id}},
    )


async def on_exercise_response(
    event: ExerciseResponse, context: EventContext, client: DaprClient
) -> None:
    """Handle one `exercise.response` event.

    This is the extension point: the service's logic goes here.
    """
    logger.info(
        "%s event %s received",
        context.topic,
        context.id,
        extra={"fields": {"topic": context.topic, "event_id": context.id}},
    )
