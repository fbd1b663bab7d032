"""Pub/sub topic scoping from component metadata (C-5, U-5).

``publishingScopes`` / ``subscriptionScopes`` (``app1=t1,t2;app2=t3``), ``allowedTopics`` and
``protectedTopics`` (``t1,t2``), following daprd's ``IsOperationAllowed``.
"""

from __future__ import annotations

from .components import Component

__all__ = ["topic_allowed"]


def _split(raw: str | None) -> list[str]:
    return [t for t in (raw or "").replace(" ", "").split(",") if t]


def _scoped_topics(raw: str | None, app_id: str) -> list[str] | None:
    """Topics listed for ``app_id``; ``None`` when the app is not listed."""
    for entry in (raw or "").replace(" ", "").split(";"):
        app, sep, topics = entry.partition("=")
        if sep and app.lower() == app_id.lower():
            return [t.lower() for t in _split(topics)]
    return None


def topic_allowed(component: Component, topic: str, app_id: str, *, publishing: bool) -> bool:
    """Whether ``app_id`` may publish to (or subscribe to) ``topic`` on ``component``."""
    lowered = topic.lower()
    allowed = [t.lower() for t in _split(component.meta("allowedTopics"))]
    protected = [t.lower() for t in _split(component.meta("protectedTopics"))]
    scopes_key = "publishingScopes" if publishing else "subscriptionScopes"
    scoped = _scoped_topics(component.meta(scopes_key), app_id)
    if allowed and lowered not in allowed and (scoped is None or lowered not in scoped):
        return False
    if scoped is None:
        return lowered not in protected
    return lowered in scoped
