"""The README's Events section: the topics, what a delivery answers, where the owner's code goes."""

from __future__ import annotations

from synth.spec import ServiceSpec, TopicSpec

__all__ = ["events_readme"]


def events_readme(
    spec: ServiceSpec, subscribed: list[TopicSpec], published: list[TopicSpec], dedupe: str
) -> str:
    """The section's body; `dedupe` is what the feature that dedupes says (or "")."""
    lines = ["| topic | direction | model | code |", "|---|---|---|---|"]
    lines += [
        f"| `{t.topic}` | subscribed | `{t.model_name}` | `handlers.{t.handler_name}` |"
        for t in subscribed
    ]
    lines += [
        f"| `{t.topic}` | published | `{t.model_name}` | `publishers.{t.publisher_name}` |"
        for t in published
    ]
    dedupe = f" {dedupe}" if dedupe else ""
    return (
        "\n".join(lines) + "\n\n"
        "`GET /dapr/subscribe` lists the subscriptions (pub/sub component from `PUBSUB_NAME`, "
        f"default `{spec.pubsub}`; dead letters go to `<topic>.dlq`). Each delivery is a "
        "CloudEvent validated into its model and answered with HTTP 200 and a status: "
        "`SUCCESS`, `RETRY` (Dapr unreachable, timeouts, gRPC UNAVAILABLE) or `DROP` (an "
        "invalid or undecodable payload, JSON nested too deep, a request too large for Dapr, or "
        f"a handler that failed for good).{dedupe}\n\n"
        "Events published while a delivery is handled take CloudEvent ids (`cloudevent.id`) "
        "derived from the app, the incoming event and the outgoing topic, so a retried handler "
        "republishes under the ids of its first run and downstream dedupe drops the copies; "
        "anywhere else each event gets a fresh id. `/openapi.json` documents each route's body "
        "as a CloudEvent whose `data` is the topic's model.\n\n"
        f"`{spec.package}/handlers.py` is where this service's logic goes: synth generates one "
        "function per subscribed topic that only logs the event, and never rewrites it once you "
        "have changed it. That is the extension point, not unfinished work."
    )
