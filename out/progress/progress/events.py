"""Events of the progress service: a pydantic model per topic it subscribes to or publishes, and
the context of a delivery.

Models ignore fields they do not know, so a producer can add fields without breaking this
service.
"""

from collections.abc import Mapping
from dataclasses import dataclass
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


class LearningConceptResponse(BaseModel):
    """The payload of a `learning.concept-response` event.

    Topic `learning.concept-response`, partitioned by `user_id`.
    """

    model_config = ConfigDict(extra="ignore")

    request_id: str
    user_id: str
    session_id: str
    concept: str
    explanation: str


class CodeReviewFeedback(BaseModel):
    """The payload of a `code.review-feedback` event.

    Topic `code.review-feedback`, partitioned by `user_id`.
    """

    model_config = ConfigDict(extra="ignore")

    request_id: str
    user_id: str
    session_id: str
    feedback: str
    issues: list[str]


class CodeErrorHint(BaseModel):
    """The payload of a `code.error-hint` event.

    Topic `code.error-hint`, partitioned by `user_id`.
    """

    model_config = ConfigDict(extra="ignore")

    request_id: str
    user_id: str
    session_id: str
    hint: str
    attempt: int


class ExerciseResponse(BaseModel):
    """The payload of a `exercise.response` event.

    Topic `exercise.response`, partitioned by `user_id`.
    """

    model_config = ConfigDict(extra="ignore")

    request_id: str
    user_id: str
    session_id: str
    exercise_id: str
    concept: str
    prompt: str
    passed: bool | None = None
    feedback: str | None = None


class StruggleAlert(BaseModel):
    """The payload of a `struggle.alert` event.

    Topic `struggle.alert`, partitioned by `user_id`.
    """

    model_config = ConfigDict(extra="ignore")

    user_id: str
    concept: str
    failed_attempts: int
    reason: str
