"""Events of the announcer service: a pydantic model per topic it subscribes to or publishes, and
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


class ShopPriceChanged(BaseModel):
    """A price moved.

    Topic `shop.price-changed`, partitioned by `item_id`.
    """

    model_config = ConfigDict(extra="ignore")

    item_id: int
    price: float
