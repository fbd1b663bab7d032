"""Reading what the brokers hold, for assertions: Redis streams or Kafka topics (C-11, C-12).

The LearnFlow tests look at the events exactly where the broker keeps them: the stream named
after the topic on Redis (`XRANGE`), every partition of the topic from its first offset on
Kafka; "drained" is every event delivered and acknowledged by a group (Redis: no pending entry
and the last id delivered; Kafka: the group's committed offset at the end of every partition).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import redis
from aiokafka import AIOKafkaConsumer, TopicPartition

BROKERS = ("redis", "kafka")  # every end-to-end flow runs on both


def stream_events(client: redis.Redis, topic: str) -> list[dict[str, Any]]:
    return [json.loads(fields[b"data"]) for _id, fields in client.xrange(topic)]


def stream_drained(client: redis.Redis, topic: str, group: str) -> bool:
    if not client.exists(topic):
        return True
    last = client.xinfo_stream(topic)["last-generated-id"]
    for info in client.xinfo_groups(topic):
        if info["name"] == group.encode():
            return bool(info["pending"] == 0 and info["last-delivered-id"] == last)
    return False


async def _read_topic(brokers: str, topic: str) -> list[bytes]:
    consumer = AIOKafkaConsumer(bootstrap_servers=brokers, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        if partitions is None:
            await consumer._client.force_metadata_update()  # a topic made after start
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        values: list[bytes] = []
        for tp in tps:
            while await consumer.position(tp) < ends[tp]:
                for record in (await consumer.getmany(tp, timeout_ms=500)).get(tp, []):
                    if record.offset < ends[tp]:
                        values.append(bytes(record.value or b""))
        return values
    finally:
        await consumer.stop()


def topic_events(brokers: str, topic: str) -> list[dict[str, Any]]:
    return [json.loads(v) for v in asyncio.run(_read_topic(brokers, topic))]


async def _drained(brokers: str, topic: str, group: str) -> bool:
    consumer = AIOKafkaConsumer(bootstrap_servers=brokers, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        ends = await consumer.end_offsets(tps) if tps else {}
        for tp in tps:
            if ends[tp] and (await consumer.committed(tp) or 0) < ends[tp]:
                return False
        return True
    finally:
        await consumer.stop()


def topic_drained(brokers: str, topic: str, group: str) -> bool:
    return asyncio.run(_drained(brokers, topic, group))
