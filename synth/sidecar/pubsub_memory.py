"""In-memory pub/sub bus in the style of contrib ``pubsub.in-memory`` (C-9).

Process-local: one instance can be shared by every sidecar on the event loop.  Each topic has
one queue per consumer group; the subscribers of a group compete for its queue (so two sidecars
with the same app id handle each message once).  Messages published while a group has no
subscriber are not kept (like the real in-memory bus).  Unlike contrib, RETRY outcomes are
redelivered by the local runtime's policy (see :mod:`delivery`); a message whose handler is
cancelled mid-delivery is put back for the group's other subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field

from .pubsub import BrokerMessage, MessageHandler

__all__ = ["MemoryBroker"]

log = logging.getLogger("synth.sidecar")

FEATURES = ("SUBSCRIBE_WILDCARDS",)


@dataclass
class _Group:
    queue: asyncio.Queue[BrokerMessage] = field(default_factory=asyncio.Queue)
    members: int = 0


class _MemorySubscription:
    def __init__(
        self,
        broker: MemoryBroker,
        topic: str,
        group_name: str,
        group: _Group,
        handler: MessageHandler,
        concurrency: int,
    ) -> None:
        self._broker = broker
        self._topic = topic
        self._group_name = group_name
        self._group = group
        self._handler = handler
        self._slots = asyncio.Semaphore(concurrency)
        self._inflight: set[asyncio.Task[None]] = set()
        self._worker = asyncio.create_task(self._run(), name=f"memsub-{topic}-{group_name}")

    async def _run(self) -> None:
        while True:
            await self._slots.acquire()
            message = await self._group.queue.get()
            task = asyncio.create_task(self._handle(message))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)

    async def _handle(self, message: BrokerMessage) -> None:
        try:
            acked = await self._handler(message)
            if not acked:
                log.error(
                    "in-memory pubsub: message %s on topic %s was not acknowledged and is "
                    "discarded (the in-memory broker cannot redeliver)",
                    message.message_id,
                    message.topic,
                )
        except asyncio.CancelledError:
            if self._group.members > 0:
                self._group.queue.put_nowait(message)
            raise
        except Exception:
            log.exception("in-memory pubsub: handler failed for topic %s", message.topic)
        finally:
            self._slots.release()

    async def close(self) -> None:
        self._broker._leave(self._topic, self._group_name)
        self._worker.cancel()
        for task in list(self._inflight):
            task.cancel()
        for task in [self._worker, *self._inflight]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class MemoryBroker:
    """Shared in-process broker (one per process, or per ``MemoryBackend``)."""

    features: tuple[str, ...] = FEATURES
    redelivers = False

    def __init__(self, concurrency: int = 10) -> None:
        self._topics: dict[str, dict[str, _Group]] = {}
        self._concurrency = concurrency

    async def publish(self, topic: str, data: bytes, metadata: dict[str, str]) -> None:
        message = BrokerMessage(topic, data, dict(metadata), str(uuid.uuid4()))
        for group in self._topics.get(topic, {}).values():
            group.queue.put_nowait(message)

    async def subscribe(
        self, topic: str, group: str, handler: MessageHandler
    ) -> _MemorySubscription:
        groups = self._topics.setdefault(topic, {})
        entry = groups.setdefault(group, _Group())
        entry.members += 1
        return _MemorySubscription(self, topic, group, entry, handler, self._concurrency)

    def _leave(self, topic: str, group: str) -> None:
        groups = self._topics.get(topic, {})
        entry = groups.get(group)
        if entry is None:
            return
        entry.members -= 1
        if entry.members <= 0:
            groups.pop(group, None)

    async def close(self) -> None:
        return None
