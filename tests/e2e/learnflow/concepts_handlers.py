"""Owner code of the concepts service (copied over the generated `concepts/handlers.py`).

Answers each concept request with a deterministic explanation from a small table. This is plain
owner code for the end-to-end tests: there is no LLM here, and none is needed to prove that the
events flow.
"""

# Imports are sorted as inside the service, where its package is first-party:
# ruff: noqa: I001
from __future__ import annotations

import logging

from dapr.aio.clients import DaprClient

from concepts.events import EventContext, LearningConceptRequest, LearningConceptResponse
from concepts.publishers import publish_learning_concept_response

logger = logging.getLogger(__name__)

EXPLANATIONS = {
    "loop": "A for loop runs its body once per item: `for x in [1, 2]: print(x)`.",
    "list": "A list is an ordered, mutable sequence: `xs = [1, 2]; xs.append(3)`.",
    "dict": "A dict maps keys to values: `ages = {'ada': 36}; ages['ada']`.",
    "function": "A function names a reusable block: `def double(x): return 2 * x`.",
    "recursion": "A recursive function calls itself on a smaller input until a base case.",
}


def explain(concept: str, question: str) -> str:
    """The explanation of `concept`, ending with a question that checks understanding."""
    text = EXPLANATIONS.get(concept, f"'{concept}' is a Python idea; let us take it step by step.")
    return f"{text} Can you say in your own words what happens in: {question!r}?"


async def on_learning_concept_request(
    event: LearningConceptRequest, context: EventContext, client: DaprClient
) -> None:
    """Explain the concept and publish `learning.concept-response`."""
    response = LearningConceptResponse(
        request_id=event.request_id,
        user_id=event.user_id,
        session_id=event.session_id,
        concept=event.concept,
        explanation=explain(event.concept, event.question),
    )
    await publish_learning_concept_response(client, response, trace=context)
    logger.info("explained %s for request %s", event.concept, event.request_id)
