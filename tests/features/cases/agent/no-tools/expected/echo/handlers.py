"""What the echo service does with each event: the owner's code, one function per subscribed
topic.

synth wrote each function once (it only logs the event) and never rewrites one you changed.
Return normally when done; raise to fail: transient failures (Dapr unreachable, timeouts, gRPC
UNAVAILABLE) are retried, any other exception dead-letters the event.
"""

import logging

from dapr.aio.clients import DaprClient

from echo.agent import answer_request
from echo.events import EchoAsk, EventContext

logger = logging.getLogger(__name__)


async def on_echo_ask(event: EchoAsk, context: EventContext, client: DaprClient) -> None:
    """Handle one `echo.ask` event.

    This is the extension point: the agent answers it and publishes the reply.
    """
    await answer_request(event, context, client)
