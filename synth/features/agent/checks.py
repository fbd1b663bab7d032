"""What the agent needs from a spec, checked once: its two topics and the session field."""

from __future__ import annotations

from synth.errors import FeatureError
from synth.spec import AgentSpec, FieldType, ServiceSpec, TopicSpec

__all__ = ["carried", "checked"]


def checked(spec: ServiceSpec) -> tuple[AgentSpec, TopicSpec, TopicSpec]:
    """The spec's agent and its two topics, or a FeatureError that says what to add."""
    agent = spec.agent
    if agent is None:
        raise FeatureError(
            f"service '{spec.name}' has no `agent:` in its spec; add one (instructions, "
            "request_topic, response_topic) or leave out the agent feature"
        )
    if agent.request_topic is None or agent.response_topic is None:
        raise FeatureError(
            f"service '{spec.name}': the agent needs `request_topic` and `response_topic`; "
            "add both to `agent:`"
        )
    request = next((t for t in spec.subscribes if t.topic == agent.request_topic), None)
    response = next((t for t in spec.publishes if t.topic == agent.response_topic), None)
    if request is None:
        raise FeatureError(
            f"agent.request_topic '{agent.request_topic}' is not in `subscribes:`; add it there"
        )
    if response is None:
        raise FeatureError(
            f"agent.response_topic '{agent.response_topic}' is not in `publishes:`; add it there"
        )
    session = next((f for f in request.fields if f.name == "session_id"), None)
    if session is None or session.type is not FieldType.STR or session.optional:
        raise FeatureError(
            f"agent: request topic '{request.topic}' needs a required `session_id: str` field "
            "(the conversation's key); add it"
        )
    return agent, request, response


def carried(request: TopicSpec) -> set[str]:
    """The request's required `str` fields: a key placeholder among them comes from the request."""
    return {f.name for f in request.fields if f.type is FieldType.STR and not f.optional}
