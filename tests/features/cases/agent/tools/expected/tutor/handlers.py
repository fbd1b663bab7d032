"""What the tutor service does with each event: the owner's code, one function per subscribed
topic.

synth wrote each function once (it only logs the event) and never rewrites one you changed.
Return normally when done; raise to fail: transient failures (Dapr unreachable, timeouts, gRPC
UNAVAILABLE) are retried, any other exception dead-letters the event.
"""

import logging

from dapr.aio.clients import DaprClient

from tutor.agent import answer_request
from tutor.events import EventContext, TutorQuestion

logger = logging.getLogger(__name__)


async def on_tutor_question(
    event: TutorQuestion, context: EventContext, client: DaprClient
) -> None:
    """Handle one `tutor.question` event.

    This is the extension point: the agent answers it and publishes the reply.
    """
    await answer_request(event, context, client)
