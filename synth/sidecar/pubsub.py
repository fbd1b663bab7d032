"""The broker interface shared by the pub/sub backends.

A broker stores opaque message bytes plus string metadata (P-9) per topic and delivers them to
handlers grouped by *consumer group* (the app id, or component ``consumerID``, C-6): handlers in
the same group compete, each group gets every message.  A handler returns ``True`` to ACK.
``redelivers`` tells the delivery layer whether an un-ACKed message comes back by itself
(Redis Streams) or is gone (in-memory).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["Broker", "BrokerMessage", "BrokerSubscription", "MessageHandler"]


@dataclass(frozen=True)
class BrokerMessage:
    topic: str
    data: bytes
    metadata: dict[str, str] = field(default_factory=dict)
    message_id: str = ""


MessageHandler = Callable[[BrokerMessage], Awaitable[bool]]


class BrokerSubscription(Protocol):
    async def close(self) -> None: ...


class Broker(Protocol):
    features: tuple[str, ...]
    redelivers: bool

    async def publish(self, topic: str, data: bytes, metadata: dict[str, str]) -> None: ...

    async def subscribe(
        self, topic: str, group: str, handler: MessageHandler
    ) -> BrokerSubscription: ...

    async def close(self) -> None: ...
