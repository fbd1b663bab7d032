"""Events of the triage service: a pydantic model per topic it subscribes to or publishes, and
the context of a delivery.

Models ignore fields they do not know, so a producer can add fields without breaking this
service.
"""

import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Self

from pydantic import BaseModel, ConfigDict


@dataclass(frozen=True)
class EventContext:
    """The CloudEvent envelope of one delivery: what identifies the event and its trace."""

    id: str
    source: str
    type: str
    topic: str
    traceparent: str = ""
    tracestate: str = ""

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, object]) -> Self:
        """The context of a CloudEvent as daprd delivers it (a missing field reads as "")."""

        def text(name: str) -> str:
            value = envelope.get(name)
            return value if isinstance(value, str) else ""

        return cls(
            id=text("id"),
            source=text("source"),
            type=text("type"),
            topic=text("topic"),
            traceparent=text("traceparent"),
            tracestate=text("tracestate"),
        )


@dataclass
class Delivery:
    """The delivery a handler runs in; events it publishes take ids derived from it."""

    context: EventContext
    published: dict[str, int] = field(default_factory=dict)

    def outgoing_id(self, app_id: str, topic: str) -> str:
        """The CloudEvent id of this delivery's next event on `topic`, the same on every re-run.

        A uuid5 of this app, the incoming event (topic and id), the outgoing topic and how many
        events this delivery published there before, so a retried handler republishes under
        the ids of its first run and downstream dedupe recognises the copies.
        """
        ordinal = self.published.get(topic, 0)
        self.published[topic] = ordinal + 1
        name = f"{app_id}/{self.context.topic}/{self.context.id}/{topic}/{ordinal}"
        return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


CURRENT_DELIVERY: ContextVar[Delivery | None] = ContextVar("current_delivery", default=None)


class LearningQuery(BaseModel):
    """The payload of a `learning.query` event.

    Topic `learning.query`, partitioned by `user_id`.
    """

    model_config = ConfigDict(extra="ignore")

    request_id: str
    user_id: str
    session_id: str
    text: str


class LearningRouted(BaseModel):
    """The payload of a `learning.routed` event.

    Topic `learning.routed`, partitioned by `user_id`.
    """

    model_config = ConfigDict(extra="ignore")

    request_id: str
    user_id: str
    session_id: str
    target: str
    reason: str


class LearningConceptRequest(BaseModel):
    """The payload of a `learning.concept-request` event.

    Topic `learning.concept-request`, partitioned by `user_id`.
    """

    model_config = ConfigDict(extra="ignore")

    request_id: str
    user_id: str
    session_id: str
    concept: str
    question: str


class CodeReviewRequest(BaseModel):
    """The payload of a `code.review-request` event.

    Topic `code.review-request`, partitioned by `user_id`.
    """

    model_config = ConfigDict(extra="ignore")

    request_id: str
    user_id: str
    session_id: str
    code: str
    question: str | None = None


class CodeErrorRequest(BaseModel):
    """The payload of a `code.error-request` event.

    Topic `code.error-request`, partitioned by `user_id`.
    """

    model_config = ConfigDict(extra="ignore")

    request_id: str
    user_id: str
    session_id: str
    code: str
    error: str


class ExerciseRequest(BaseModel):
    """The payload of a `exercise.request` event.

    Topic `exercise.request`, partitioned by `user_id`.
    """

    model_config = ConfigDict(extra="ignore")

    request_id: str
    user_id: str
    session_id: str
    concept: str
    exercise_id: str | None = None
    submission: str | None = None
