"""What of `tests/test_pubsub.py` stays a template: `/dapr/subscribe`'s test.

The other tests are `synth/runtime/pubsub/test_pubsub.py`'s. The hole is the subscriptions the
service must list.
"""

from __future__ import annotations

__all__ = ["TESTS"]

TESTS = """
from fastapi.testclient import TestClient


def test_dapr_subscribe_lists_every_topic_exactly(app_client: TestClient) -> None:
    assert app_client.get("/dapr/subscribe").json() == {expected}
"""
