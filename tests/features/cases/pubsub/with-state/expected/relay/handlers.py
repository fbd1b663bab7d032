"""What the relay service does with each event: the owner's code, one function per subscribed
topic.

synth wrote each function once (it only logs the event) and never rewrites one you changed.
Return normally when done; raise to fail: transient failures (Dapr unreachable, timeouts, gRPC
UNAVAILABLE) are retried, any other exception dead-letters the event.
"""

import logging

from dapr.aio.clients import DaprClient

from relay.events import EventContext, ShopOrderCancelled, ShopOrderPlaced

logger = logging.getLogger(__name__)


async def on_shop_order_placed(
    event: ShopOrderPlaced, context: EventContext, client: DaprClient
) -> None:
    """Handle one `shop.order-placed` event.

    This is the extension point: the service's logic goes here.
    """
    logger.info(
        "%s event %s received",
        context.topic,
        context.id,
        extra={"fields": {"topic": context.topic, "event_id": context.id}},
    )


async def on_shop_order_cancelled(
    event: ShopOrderCancelled, context: EventContext, client: DaprClient
) -> None:
    """Handle one `shop.order-cancelled` event.

    This is the extension point: the service's logic goes here.
    """
    logger.info(
        "%s event %s received",
        context.topic,
        context.id,
        extra={"fields": {"topic": context.topic, "event_id": context.id}},
    )
