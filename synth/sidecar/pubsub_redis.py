"""Redis Streams pub/sub in the style of contrib ``pubsub.redis`` (C-11, U-10).

Publish is ``XADD <topic> * data <bytes> [metadata <json>]``.  Each subscription joins the
consumer group (component ``consumerID``, default the app id, C-6), created from id ``0`` with
``MKSTREAM``, under a consumer name unique to this sidecar instance, so sidecars of the same app
id compete and every message is handled once.  Messages are ACKed only after SUCCESS / DROP (or
after a dead-letter publish).  Un-ACKed messages (RETRY exhausted without dead-letter topic,
or a consumer that died mid-message) are reclaimed with ``XAUTOCLAIM`` once idle for
``processingTimeout``, checked every ``redeliverInterval`` -- nothing is lost.  Unlike contrib,
a live consumer renews its in-flight messages (every third of ``processingTimeout``), so a slow
handler's message is not handed to a second consumer while the first still runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from .pubsub import BrokerMessage, MessageHandler

__all__ = ["RedisStreamsBroker", "parse_duration"]

log = logging.getLogger("synth.sidecar")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(raw: str | None, default: float) -> float:
    """A Go-style duration (``15s``, ``500ms``, ``1m``) or bare seconds; ``default`` if unset."""
    if raw is None or raw == "":
        return default
    match = _DURATION.match(raw)
    if match is None:
        raise ValueError(f"invalid duration {raw!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _message(topic: str, message_id: bytes, fields: dict[bytes, bytes]) -> BrokerMessage:
    metadata: dict[str, str] = {}
    raw_meta = fields.get(b"metadata")
    if raw_meta:
        try:
            loaded = json.loads(raw_meta)
            if isinstance(loaded, dict):
                metadata = {str(k): str(v) for k, v in loaded.items()}
        except ValueError:
            log.warning("redis pubsub: unreadable metadata on message %s", message_id)
    return BrokerMessage(topic, bytes(fields.get(b"data", b"")), metadata, message_id.decode())


CLOSE_TIMEOUT = 2.0


async def _close_client(client: aioredis.Redis, limit: float) -> None:
    """Close a client within ``limit`` seconds; past it, disconnect its pool without waiting."""
    try:
        async with asyncio.timeout(limit):
            await client.aclose()
    except TimeoutError:
        with contextlib.suppress(Exception):
            await client.connection_pool.disconnect(inuse_connections=True)
    except Exception:  # closing must not fail a stop
        log.debug("redis pubsub: closing a client failed", exc_info=True)


class _StreamSubscription:
    def __init__(
        self,
        broker: RedisStreamsBroker,
        client: aioredis.Redis,
        topic: str,
        group: str,
        handler: MessageHandler,
    ) -> None:
        self._broker = broker
        self._client = client
        self._topic = topic
        self._group = group
        self._consumer = f"{group}-{uuid.uuid4().hex[:12]}"
        self._handler = handler
        self._slots = asyncio.Semaphore(broker.concurrency)
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False

    @property
    def consumer(self) -> str:
        return self._consumer

    async def start(self) -> None:
        await self._create_group()
        self._tasks.append(asyncio.create_task(self._read_loop()))
        if self._broker.redeliver_interval > 0:
            self._tasks.append(asyncio.create_task(self._reclaim_loop()))
            self._tasks.append(asyncio.create_task(self._renew_loop()))

    async def _create_group(self) -> None:
        """``XGROUP CREATE <topic> <group> 0 MKSTREAM``; an existing group is fine."""
        try:
            await self._client.xgroup_create(self._topic, self._group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _stopping(self) -> bool:
        """True once :meth:`close` began, or this task was cancelled.

        redis-py reads under its own timeout; a cancellation landing in that window comes back
        as a ``TimeoutError`` (a ``RedisError``), so the loops must look here rather than
        trust ``CancelledError`` to arrive.
        """
        task = asyncio.current_task()
        return self._closed or (task is not None and task.cancelling() > 0)

    async def _recover_group(self, exc: RedisError) -> bool:
        """Re-create the group after NOGROUP (Redis restarted empty, or the stream deleted).

        Newer contrib ``pubsub.redis`` versions do the same instead of failing every read for
        good.  From id ``0``, so what was published since the restart is delivered too.
        """
        if not isinstance(exc, ResponseError) or "NOGROUP" not in str(exc):
            return False
        try:
            await self._create_group()
        except RedisError as again:
            log.warning("redis pubsub: re-creating group %s failed: %s", self._group, again)
            return False
        log.warning(
            "redis pubsub: consumer group %s on %s was gone (NOGROUP); re-created it",
            self._group,
            self._topic,
        )
        return True

    async def _dispatch(self, message: BrokerMessage) -> None:
        if message.message_id in self._inflight:
            return
        await self._slots.acquire()
        task = asyncio.create_task(self._handle(message))
        self._inflight[message.message_id] = task

    async def _handle(self, message: BrokerMessage) -> None:
        try:
            if await self._handler(message):
                await self._client.xack(self._topic, self._group, message.message_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("redis pubsub: handler failed for %s", message.message_id)
        finally:
            self._inflight.pop(message.message_id, None)
            self._slots.release()

    async def _read_loop(self) -> None:
        block_ms = max(int(self._broker.block_seconds * 1000), 1)
        while not self._closed:
            try:
                batches: Any = await self._client.xreadgroup(
                    self._group,
                    self._consumer,
                    {self._topic: ">"},
                    count=self._broker.queue_depth,
                    block=block_ms,
                )
            except RedisError as exc:
                if self._stopping():
                    return
                if await self._recover_group(exc):
                    continue
                log.warning("redis pubsub: XREADGROUP on %s failed: %s", self._topic, exc)
                await asyncio.sleep(0.5)
                continue
            for _stream, entries in batches or []:
                for message_id, fields in entries:
                    if fields:
                        await self._dispatch(_message(self._topic, message_id, fields))

    async def _reclaim_loop(self) -> None:
        min_idle = max(int(self._broker.processing_timeout * 1000), 1)
        while not self._closed:
            await asyncio.sleep(self._broker.redeliver_interval)
            try:
                reply: Any = await self._client.xautoclaim(
                    self._topic,
                    self._group,
                    self._consumer,
                    min_idle_time=min_idle,
                    start_id="0-0",
                    count=self._broker.queue_depth,
                )
            except RedisError as exc:
                if self._stopping():
                    return
                if not await self._recover_group(exc):
                    log.warning("redis pubsub: XAUTOCLAIM on %s failed: %s", self._topic, exc)
                continue
            entries = reply[1] if len(reply) > 1 else []
            for message_id, fields in entries:
                if fields:
                    log.info("redis pubsub: reclaimed %s on %s", message_id, self._topic)
                    await self._dispatch(_message(self._topic, message_id, fields))

    async def _renew_loop(self) -> None:
        """Keep this consumer's in-flight messages from looking idle (``XCLAIM ... JUSTID``).

        A message still being handled here is not redelivered to another consumer of the
        group however slow its handler: only the messages of a consumer that died (or that
        were left un-ACKed) go idle past ``processingTimeout`` and are reclaimed.
        """
        period = max(self._broker.processing_timeout / 3, 0.05)
        while not self._closed:
            await asyncio.sleep(period)
            if not self._inflight:
                continue
            try:
                await self._client.xclaim(
                    self._topic,
                    self._group,
                    self._consumer,
                    min_idle_time=0,
                    message_ids=list(self._inflight),
                    justid=True,
                )
            except RedisError as exc:
                if self._stopping():
                    return
                log.debug("redis pubsub: renewing in-flight claims failed: %s", exc)

    async def close(self) -> None:
        """Cancel the loops and in-flight deliveries; bounded by ``CLOSE_TIMEOUT`` seconds.

        A read blocked in ``XREADGROUP`` (or a connection stuck on a frozen Redis) may not
        notice cancellation at once, so the wait is bounded and the connections are dropped
        rather than closed politely when it runs out.
        """
        self._closed = True
        tasks = [*self._tasks, *self._inflight.values()]
        for task in tasks:
            task.cancel()
        if tasks:
            _done, late = await asyncio.wait(tasks, timeout=CLOSE_TIMEOUT)
            if late:
                log.warning(
                    "redis pubsub: %d task(s) on %s did not stop within %gs; abandoned",
                    len(late),
                    self._topic,
                    CLOSE_TIMEOUT,
                )
        await _close_client(self._client, CLOSE_TIMEOUT)


class RedisStreamsBroker:
    """``pubsub.redis``: streams + consumer groups on redis-py asyncio."""

    features: tuple[str, ...] = ()
    redelivers = True

    def __init__(
        self,
        client_factory: Callable[[], aioredis.Redis],
        *,
        processing_timeout: float = 15.0,
        redeliver_interval: float = 60.0,
        queue_depth: int = 100,
        concurrency: int = 10,
        max_len_approx: int | None = None,
        block_seconds: float = 1.0,
    ) -> None:
        self._factory = client_factory
        self._client = client_factory()
        self.processing_timeout = processing_timeout
        self.redeliver_interval = redeliver_interval
        self.queue_depth = queue_depth
        self.concurrency = concurrency
        self.max_len_approx = max_len_approx
        self.block_seconds = block_seconds

    async def publish(self, topic: str, data: bytes, metadata: dict[str, str]) -> None:
        fields: dict[str, bytes | str] = {"data": data}
        if metadata:
            fields["metadata"] = json.dumps(metadata, separators=(",", ":"))
        await self._client.xadd(
            topic,
            fields,  # type: ignore[arg-type]
            maxlen=self.max_len_approx,
            approximate=self.max_len_approx is not None,
        )

    async def subscribe(
        self, topic: str, group: str, handler: MessageHandler
    ) -> _StreamSubscription:
        subscription = _StreamSubscription(self, self._factory(), topic, group, handler)
        await subscription.start()
        return subscription

    async def close(self) -> None:
        await _close_client(self._client, CLOSE_TIMEOUT)
