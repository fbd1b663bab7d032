"""Typed publishers of the relay service: one function per published topic.

Events go out as JSON to the pub/sub component named by the `PUBSUB_NAME` setting, keyed by
their partition key, carrying the trace of the event being handled.
"""

import uuid

from dapr.aio.clients import DaprClient
from pydantic import BaseModel

from relay.events import CURRENT_DELIVERY, EventContext, ShopShipRequest
from relay.logs import dapr_operation
from relay.settings import get_settings


def outgoing_event_id(topic: str) -> str:
    """The CloudEvent id of the next event on `topic`.

    Inside a delivery it is derived from the incoming event, so a retried handler republishes
    under the same ids; anywhere else it is a fresh uuid4.
    """
    delivery = CURRENT_DELIVERY.get()
    if delivery is None or not delivery.context.id:
        return str(uuid.uuid4())
    return delivery.outgoing_id(get_settings().app_id, topic)


async def publish(
    client: DaprClient,
    topic: str,
    event: BaseModel,
    *,
    partition_key: object = None,
    trace: EventContext | None = None,
) -> None:
    """Publish `event` as `application/json`, so subscribers get an object (contract R-3).

    Its CloudEvent id is set (`cloudevent.id`, contract P-5) by `outgoing_event_id`.
    """
    pubsub = get_settings().pubsub_name
    event_id = outgoing_event_id(topic)
    metadata: dict[str, str] = {"cloudevent.id": event_id}
    if partition_key is not None:
        metadata["partitionKey"] = str(partition_key)
    if trace is not None and trace.traceparent:
        metadata["cloudevent.traceparent"] = trace.traceparent
        if trace.tracestate:
            metadata["cloudevent.tracestate"] = trace.tracestate
    async with dapr_operation("pubsub.publish", pubsub=pubsub, topic=topic, event_id=event_id):
        await client.publish_event(
            pubsub_name=pubsub,
            topic_name=topic,
            data=event.model_dump_json(),
            data_content_type="application/json",
            publish_metadata=metadata,
        )


async def publish_shop_ship_request(
    client: DaprClient, event: ShopShipRequest, *, trace: EventContext | None = None
) -> None:
    """Publish one `shop.ship-request` event, keyed by `order_id`.

    As JSON, to the pub/sub component named by `PUBSUB_NAME`.
    """
    await publish(client, "shop.ship-request", event, partition_key=event.order_id, trace=trace)
