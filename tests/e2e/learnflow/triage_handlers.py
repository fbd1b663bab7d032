"""Owner code of the triage service (copied over the generated `triage/handlers.py` by the tests).

Routes each learner query by keywords: an error message goes to debug, a review request to
code-review, practice to exercise, everything else to concepts. Publishes `learning.routed` and
the specialist's request topic through the generated publishers, and counts the session's turns
with the generated state helper.
"""

# Imports are sorted as inside the service, where its package is first-party:
# ruff: noqa: I001
from __future__ import annotations

import logging
import re

from dapr.aio.clients import DaprClient

from triage.events import (
    CodeErrorRequest,
    CodeReviewRequest,
    EventContext,
    ExerciseRequest,
    LearningConceptRequest,
    LearningQuery,
    LearningRouted,
)
from triage.publishers import (
    publish_code_error_request,
    publish_code_review_request,
    publish_exercise_request,
    publish_learning_concept_request,
    publish_learning_routed,
)
from triage.state import SessionState, update_session

logger = logging.getLogger(__name__)

ROUTES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("debug", ("error", "traceback", "exception", "crash")),
    ("code-review", ("review", "feedback on my code", "is my code")),
    ("exercise", ("exercise", "practice", "quiz")),
)
CONCEPTS = ("recursion", "loop", "list", "dict", "function", "class", "generator", "decorator")


def route(text: str) -> tuple[str, str]:
    """The target service for `text`, and why."""
    lowered = text.lower()
    for target, keywords in ROUTES:
        for keyword in keywords:
            if keyword in lowered:
                return target, f"keyword '{keyword}'"
    return "concepts", "no specialist keyword: explain the concept"


def concept_of(text: str) -> str:
    """The first known concept named in `text` ('python' when none is)."""
    words = re.findall(r"[a-z]+", text.lower())
    for concept in CONCEPTS:
        if any(word.startswith(concept) for word in words):
            return concept
    return "python"


async def on_learning_query(
    event: LearningQuery, context: EventContext, client: DaprClient
) -> None:
    """Route one query: `learning.routed`, then the specialist's request topic."""
    target, reason = route(event.text)
    ids = {"request_id": event.request_id, "user_id": event.user_id}
    ids["session_id"] = event.session_id
    await publish_learning_routed(
        client, LearningRouted(**ids, target=target, reason=reason), trace=context
    )
    if target == "debug":
        request = CodeErrorRequest(**ids, code=event.text, error=event.text.splitlines()[-1])
        await publish_code_error_request(client, request, trace=context)
    elif target == "code-review":
        await publish_code_review_request(
            client, CodeReviewRequest(**ids, code=event.text, question=None), trace=context
        )
    elif target == "exercise":
        await publish_exercise_request(
            client, ExerciseRequest(**ids, concept=concept_of(event.text)), trace=context
        )
    else:
        request = LearningConceptRequest(**ids, concept=concept_of(event.text), question=event.text)
        await publish_learning_concept_request(client, request, trace=context)

    def count_turn(current: SessionState | None) -> SessionState:
        turns = current.turns + 1 if current is not None else 1
        return SessionState(user_id=event.user_id, last_target=target, turns=turns)

    await update_session(client, event.session_id, count_turn)
    logger.info("query %s routed to %s (%s)", event.request_id, target, reason)
