"""Kafka pub/sub on aiokafka in the style of contrib ``pubsub.kafka`` (C-12, C-6, U-8, U-10).

Reads the prod component's metadata: ``brokers`` (required), ``authType`` (required; the local
runtime connects with ``none`` only), ``consumerGroup`` (else ``consumerID``, else the app id),
``clientID``, ``initialOffset`` (``newest`` | ``oldest``), ``sessionTimeout``,
``heartbeatInterval``, ``consumeRetryInterval`` and ``consumerGroupRebalanceStrategy``.
Semantics follow contrib ``common/component/kafka`` (``producer.go``, ``consumer.go``):

- publish: metadata ``partitionKey`` (or ``__key``) is the message key, so events of one key
  land on one partition, in order; every metadata entry also travels as a header;
- subscribe: one consumer group per app id, so replicas compete and every group gets every
  event; each assigned partition is handled **one message at a time, in offset order**, and an
  offset is committed only once its message is handled (contrib marks a message only on
  success); deliveries carry the headers plus ``__key``, ``__offset``, ``__topic``,
  ``__timestamp`` and ``__partition`` as metadata;
- a message the delivery layer did not ACK (RETRY past the local policy, no dead-letter topic)
  is retried in place with backoff, holding its partition, as contrib does with
  ``consumeRetryEnabled`` -- nothing is skipped.  A partition taken away by a rebalance lets its
  current message finish (bounded), commits, and drops what it had not started: the new owner
  resumes at the committed offset.

A fetch waits at most ``fetch_max_wait`` (local setting, 50 ms; sarama's default is 500 ms): a
Kafka broker answers a waiting fetch as soon as data arrives, but Tansu only at the deadline,
so the deadline is the local delivery latency.

Topics the runtime meets that do not exist yet are created with ``partitions`` partitions
(local setting, default 1 like Kafka's ``num.partitions``); ``synth dev`` creates LearnFlow's
topics beforehand as its Strimzi ``KafkaTopic`` manifests declare them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from .pubsub import BrokerMessage, MessageHandler
from .pubsub_redis import parse_duration

__all__ = ["KafkaBroker", "KafkaConfigError", "KafkaSettings"]

log = logging.getLogger("synth.sidecar")

KEY_METADATA = ("partitionKey", "__key")
CLOSE_TIMEOUT = 3.0
JOIN_TIMEOUT = 30.0
MAX_RETRY_DELAY = 5.0
_ASSIGNORS: dict[str, Any] = {
    "range": RangePartitionAssignor,
    "roundrobin": RoundRobinPartitionAssignor,
    "sticky": StickyPartitionAssignor,
}


class KafkaConfigError(ValueError):
    """The component's Kafka metadata cannot be served by the local runtime."""


def _seconds(raw: str | None, default: float) -> float:
    try:
        return parse_duration(raw, default)
    except ValueError as exc:
        raise KafkaConfigError(f"kafka error: {exc}") from None


@dataclass(frozen=True)
class KafkaSettings:
    """What the local runtime takes from a ``pubsub.kafka`` component (C-12)."""

    brokers: tuple[str, ...]
    client_id: str = "sarama"
    initial_offset: str = "newest"
    session_timeout: float = 10.0
    heartbeat_interval: float = 3.0
    consume_retry_interval: float = 0.1
    rebalance_strategy: str = "range"
    partitions: int = 1
    fetch_max_wait: float = 0.05

    @classmethod
    def from_metadata(
        cls,
        meta: dict[str, str],
        *,
        brokers_override: str | None = None,
        partitions: int = 1,
    ) -> KafkaSettings:
        """Validate ``meta`` as contrib's ``metadata.go`` does; ``brokers_override`` wins."""
        lowered = {k.lower(): v for k, v in meta.items()}

        def get(name: str) -> str | None:
            value = lowered.get(name.lower())
            return value if value else None

        auth = get("authType")
        if auth is None and brokers_override is None:
            raise KafkaConfigError("kafka error: 'authType' attribute was missing or empty")
        if auth not in (None, "none"):
            raise KafkaConfigError(
                f"kafka error: authType {auth!r} is not served by the local runtime, which "
                "connects to a local broker with authType none; use a local component "
                "(synth dev --broker kafka stages one)"
            )
        raw_brokers = brokers_override or get("brokers")
        if not raw_brokers:
            raise KafkaConfigError("kafka error: 'brokers' attribute was missing or empty")
        offset = (get("initialOffset") or "newest").lower()
        if offset not in ("newest", "oldest"):
            raise KafkaConfigError(
                f"kafka error: initialOffset {offset!r} is not 'newest' or 'oldest'"
            )
        strategy = (get("consumerGroupRebalanceStrategy") or "range").lower()
        if strategy not in _ASSIGNORS:
            raise KafkaConfigError(
                f"kafka error: consumerGroupRebalanceStrategy {strategy!r} is not "
                "range, sticky or roundrobin"
            )
        return cls(
            brokers=tuple(b.strip() for b in raw_brokers.split(",") if b.strip()),
            client_id=get("clientID") or "sarama",
            initial_offset=offset,
            session_timeout=_seconds(get("sessionTimeout"), 10.0),
            heartbeat_interval=_seconds(get("heartbeatInterval"), 3.0),
            consume_retry_interval=_seconds(get("consumeRetryInterval"), 0.1),
            rebalance_strategy=strategy,
            partitions=max(1, partitions),
        )

    @property
    def bootstrap(self) -> str:
        return ",".join(self.brokers)


def _metadata(record: ConsumerRecord[bytes, bytes]) -> dict[str, str]:
    """Delivery metadata as contrib's ``GetEventMetadata``: the headers and ``__*`` fields."""
    meta: dict[str, str] = {}
    if record.key is not None:
        meta["__key"] = record.key.decode("utf-8", errors="replace")
    meta["__offset"] = str(record.offset)
    meta["__topic"] = record.topic
    meta["__timestamp"] = str(record.timestamp)
    meta["__partition"] = str(record.partition)
    for name, value in record.headers or ():
        meta[name] = bytes(value).decode("utf-8", errors="replace")
    return meta


class _PartitionWorker:
    """Handles one assigned partition's records one at a time, in offset order."""

    def __init__(self, subscription: _KafkaSubscription, tp: TopicPartition) -> None:
        self._subscription = subscription
        self.tp = tp
        self.queue: deque[ConsumerRecord[bytes, bytes]] = deque()
        self.done_offset: int | None = None
        self.stopping = False
        self._wake = asyncio.Event()
        self.task = asyncio.create_task(self._run(), name=f"kafka {tp.topic}[{tp.partition}]")

    def feed(self, records: Iterable[ConsumerRecord[bytes, bytes]]) -> None:
        self.queue.extend(records)
        self._wake.set()

    async def _run(self) -> None:
        while not self.stopping:
            if not self.queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            record = self.queue[0]
            if not await self._subscription.handle_until_acked(record, self):
                return  # stopping before an ACK: the next owner gets it again
            self.queue.popleft()
            self.done_offset = record.offset + 1
            self._subscription.progressed(self)

    async def drain(self) -> None:
        """Let the current message finish (bounded), then stop; queued ones are dropped."""
        self.stopping = True
        self._wake.set()
        _done, late = await asyncio.wait({self.task}, timeout=CLOSE_TIMEOUT)
        if late:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, subscription: _KafkaSubscription) -> None:
        self._subscription = subscription

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._subscription.revoke(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._subscription.assigned.set()


class _KafkaSubscription:
    """One consumer-group member for every topic one app subscribes on one component."""

    def __init__(
        self, broker: KafkaBroker, group: str, handlers: dict[str, MessageHandler]
    ) -> None:
        settings = broker.settings
        self._broker = broker
        self._topics = sorted(handlers)
        self._topic = ",".join(self._topics)
        self._group = group
        self._handlers = dict(handlers)
        self._workers: dict[TopicPartition, _PartitionWorker] = {}
        self._committed: dict[TopicPartition, int] = {}
        self._closed = False
        self._progress = asyncio.Event()
        self.assigned = asyncio.Event()
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.bootstrap,
            client_id=settings.client_id,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest" if settings.initial_offset == "oldest" else "latest",
            session_timeout_ms=int(settings.session_timeout * 1000),
            heartbeat_interval_ms=int(settings.heartbeat_interval * 1000),
            partition_assignment_strategy=(_ASSIGNORS[settings.rebalance_strategy],),
            max_poll_records=broker.queue_depth,
            fetch_max_wait_ms=int(settings.fetch_max_wait * 1000),
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        for topic in self._topics:
            await self._broker.ensure_topic(topic)
        self._consumer.subscribe(self._topics, listener=_Rebalance(self))
        await self._consumer.start()
        try:
            async with asyncio.timeout(JOIN_TIMEOUT):
                await self.assigned.wait()
            for tp in self._consumer.assignment():
                await self._consumer.position(tp)  # fix where "newest" starts: now
        except TimeoutError:
            log.warning(
                "kafka pubsub: group %s got no assignment on %s within %gs; continuing",
                self._group,
                self._topic,
                JOIN_TIMEOUT,
            )
        self._task = asyncio.create_task(self._poll_loop(), name=f"kafka poll {self._topic}")

    async def handle_until_acked(
        self, record: ConsumerRecord[bytes, bytes], worker: _PartitionWorker
    ) -> bool:
        """Deliver ``record`` until the handler ACKs; ``False`` if stopped first."""
        message = BrokerMessage(
            record.topic,
            bytes(record.value or b""),
            _metadata(record),
            f"{record.partition}-{record.offset}",
        )
        delay = self._broker.settings.consume_retry_interval
        while True:
            try:
                if await self._handlers[record.topic](message):
                    return True
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("kafka pubsub: handler failed for %s", message.message_id)
            if worker.stopping or self._closed:
                return False
            log.warning(
                "kafka pubsub: %s/%s not acknowledged; redelivered in %.1fs",
                record.topic,
                message.message_id,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_DELAY)

    def progressed(self, _worker: _PartitionWorker) -> None:
        self._progress.set()

    async def _commit(self, tps: Iterable[TopicPartition] | None = None) -> None:
        offsets: dict[TopicPartition, int] = {}
        for tp, worker in self._workers.items():
            if tps is not None and tp not in tps:
                continue
            done = worker.done_offset
            if done is not None and self._committed.get(tp) != done:
                offsets[tp] = done
        if not offsets:
            return
        try:
            await self._consumer.commit(offsets)
        except KafkaError as exc:
            log.warning("kafka pubsub: commit on %s failed: %s", self._topic, exc)
            return
        self._committed.update(offsets)

    async def revoke(self, revoked: set[TopicPartition]) -> None:
        workers = [self._workers[tp] for tp in revoked if tp in self._workers]
        await asyncio.gather(*(w.drain() for w in workers))
        await self._commit(revoked)
        for tp in revoked:
            self._workers.pop(tp, None)
            self._committed.pop(tp, None)

    async def _poll_loop(self) -> None:
        depth = self._broker.queue_depth
        while not self._closed:
            try:
                batches = await self._consumer.getmany(timeout_ms=100, max_records=depth)
            except KafkaError as exc:
                log.warning("kafka pubsub: fetch on %s failed: %s", self._topic, exc)
                await asyncio.sleep(0.5)
                continue
            for tp, records in batches.items():
                worker = self._workers.get(tp)
                if worker is None or worker.stopping:
                    worker = self._workers[tp] = _PartitionWorker(self, tp)
                worker.feed(records)
                if len(worker.queue) >= depth:
                    self._consumer.pause(tp)
            for tp in self._consumer.paused():
                worker = self._workers.get(tp)
                if worker is None or len(worker.queue) < depth // 2 + 1:
                    self._consumer.resume(tp)
            if self._progress.is_set():
                self._progress.clear()
                await self._commit()

    async def close(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=CLOSE_TIMEOUT)
        await asyncio.gather(*(w.drain() for w in self._workers.values()))
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await self._commit()
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await self._consumer.stop()
        except (TimeoutError, KafkaError) as exc:
            log.warning("kafka pubsub: consumer on %s did not stop cleanly: %s", self._topic, exc)


class KafkaBroker:
    """``pubsub.kafka`` against a Kafka-protocol broker (Kafka, or Tansu locally)."""

    features: tuple[str, ...] = ("BULK_PUBSUB",)
    redelivers = True

    def __init__(self, settings: KafkaSettings, *, queue_depth: int = 100) -> None:
        self.settings = settings
        self.queue_depth = queue_depth
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self._topics: set[str] = set()

    async def ensure_topic(self, topic: str) -> None:
        """Create ``topic`` with ``settings.partitions`` partitions unless it exists."""
        if topic in self._topics:
            return
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.settings.bootstrap, client_id=self.settings.client_id
        )
        await admin.start()
        try:
            if topic not in await admin.list_topics():
                with contextlib.suppress(TopicAlreadyExistsError):
                    await admin.create_topics(
                        [NewTopic(topic, self.settings.partitions, replication_factor=1)]
                    )
        finally:
            await admin.close()
        self._topics.add(topic)

    async def _started_producer(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self.settings.bootstrap,
                    client_id=self.settings.client_id,
                    acks="all",
                    linger_ms=0,
                )
                await producer.start()
                self._producer = producer
            return self._producer

    async def publish(self, topic: str, data: bytes, metadata: dict[str, str]) -> None:
        await self.ensure_topic(topic)
        producer = await self._started_producer()
        key: bytes | None = None
        for name in KEY_METADATA:
            if metadata.get(name):
                key = metadata[name].encode()
                break
        headers = [(name, value.encode()) for name, value in metadata.items()]
        await producer.send_and_wait(topic, value=data, key=key, headers=headers)

    async def subscribe(
        self, topic: str, group: str, handler: MessageHandler
    ) -> _KafkaSubscription:
        return await self.subscribe_all(group, {topic: handler})

    async def subscribe_all(
        self, group: str, handlers: dict[str, MessageHandler]
    ) -> _KafkaSubscription:
        """One group member for all of ``handlers``' topics (one join, as contrib's single
        consumer-group client per component)."""
        subscription = _KafkaSubscription(self, group, handlers)
        try:
            await subscription.start()
        except BaseException:
            await subscription.close()
            raise
        return subscription

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await producer.stop()
            except (TimeoutError, KafkaError) as exc:
                log.warning("kafka pubsub: producer did not stop cleanly: %s", exc)
