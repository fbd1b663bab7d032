"""What of `tests/test_pubsub.py` stays a template: `/dapr/subscribe`'s test, `post_cloud_event`.

The other tests are `synth/runtime/pubsub/test_pubsub.py`'s. `post_cloud_event` stays here: its
`httpx.Response` is not what starlette's TestClient declares where `httpx2` is installed (as in
synth's environment), so mypy --strict would refuse it as a runtime module. The hole is the
subscriptions the service must list.
"""

from __future__ import annotations

__all__ = ["TESTS"]

TESTS = '''
import json

import httpx
from fastapi.testclient import TestClient


def post_cloud_event(client: TestClient, route: str, event: dict[str, object]) -> httpx.Response:
    """POST `event` the way daprd does: as `application/cloudevents+json` (contract U-6)."""
    return client.post(
        route,
        content=json.dumps(event),
        headers={"content-type": "application/cloudevents+json"},
    )


def test_dapr_subscribe_lists_every_topic_exactly(app_client: TestClient) -> None:
    assert app_client.get("/dapr/subscribe").json() == {expected}
'''
