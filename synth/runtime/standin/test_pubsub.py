"""Stand-in for the spec-shaped part of `tests/test_pubsub.py`, which pubsub builds from topics.

The runtime test modules that land in that file import these names from here; in a service
they are the file's own (generated from the spec at its top), so those imports are dropped.
"""

import httpx
from fastapi.testclient import TestClient
from pydantic import BaseModel

FIRST_HANDLER = "on_example"
FIRST_MODEL: type[BaseModel] = BaseModel
FIRST_PAYLOAD: dict[str, object] = {}
FIRST_ROUTE = "/events/pubsub/example"
FIRST_TOPIC = "example"


def cloud_event(topic: str, data: object, event_id: str = "event-1") -> dict[str, object]:
    """A CloudEvent as daprd delivers it, its envelope around `data`."""
    raise NotImplementedError


def post_cloud_event(client: TestClient, route: str, event: dict[str, object]) -> httpx.Response:
    """POST `event` the way daprd does."""
    raise NotImplementedError
