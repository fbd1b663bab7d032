"""The platform as a graph model, built from service specs; every renderer draws this one model.

    service --publishes--> topic --delivers to--> service
    service --invokes--> service
    service --keeps state in--> state store (component name and backend)

Everything is sorted by name so each rendering of the same specs is byte-for-byte the same.
A topic some service declares `external: true` also gets an edge from (subscribed) or to
(published) the one `outside` node: the rest of LearnFlow, beyond these services.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from synth.features.base import deployment_of
from synth.spec import ServiceSpec

__all__ = [
    "OUTSIDE_ID",
    "InvocationEdge",
    "ServiceNode",
    "StoreNode",
    "TopicNode",
    "Topology",
    "build_topology",
    "service_id",
    "store_id",
    "topic_id",
]

OUTSIDE_ID = "outside"


@dataclass(frozen=True)
class ServiceNode:
    """A service: its name, the state keys it keeps, whether it runs an agent."""

    name: str
    state_keys: tuple[str, ...]
    store: str | None
    has_agent: bool


@dataclass(frozen=True)
class TopicNode:
    """A topic with the services that publish it and the services subscribed to it."""

    name: str
    publishers: tuple[str, ...]
    subscribers: tuple[str, ...]
    from_outside: bool
    to_outside: bool

    @property
    def namespace(self) -> str:
        """The first dotted segment: `learning` for `learning.query`."""
        return self.name.split(".", 1)[0]


@dataclass(frozen=True)
class InvocationEdge:
    """One service calling another through Dapr service invocation."""

    caller: str
    callee: str
    methods: tuple[str, ...]


@dataclass(frozen=True)
class StoreNode:
    """A Dapr state store component (by name and backend) and the services that use it."""

    name: str
    backend: str
    users: tuple[str, ...]

    @property
    def label(self) -> str:
        """`statestore (redis)`."""
        return f"{self.name} ({self.backend})"


@dataclass(frozen=True)
class Topology:
    """The whole platform graph."""

    services: tuple[ServiceNode, ...]
    topics: tuple[TopicNode, ...]
    invocations: tuple[InvocationEdge, ...]
    stores: tuple[StoreNode, ...]

    @property
    def has_outside(self) -> bool:
        """Whether any topic crosses the platform's edge."""
        return any(t.from_outside or t.to_outside for t in self.topics)


def build_topology(specs: Iterable[ServiceSpec]) -> Topology:
    """The graph of the given services (order of `specs` does not matter)."""
    ordered = sorted(specs, key=lambda s: s.name)
    publishers: dict[str, set[str]] = {}
    subscribers: dict[str, set[str]] = {}
    from_outside: set[str] = set()
    to_outside: set[str] = set()
    for spec in ordered:
        for topic in spec.publishes:
            publishers.setdefault(topic.topic, set()).add(spec.name)
            subscribers.setdefault(topic.topic, set())
            if topic.external:
                to_outside.add(topic.topic)
        for topic in spec.subscribes:
            subscribers.setdefault(topic.topic, set()).add(spec.name)
            publishers.setdefault(topic.topic, set())
            if topic.external:
                from_outside.add(topic.topic)
    topics = tuple(
        TopicNode(
            name=name,
            publishers=tuple(sorted(publishers[name])),
            subscribers=tuple(sorted(subscribers[name])),
            from_outside=name in from_outside,
            to_outside=name in to_outside,
        )
        for name in sorted(publishers)
    )
    invocations = tuple(
        InvocationEdge(caller=spec.name, callee=call.app_id, methods=tuple(sorted(call.methods)))
        for spec in ordered
        for call in sorted(spec.invokes, key=lambda c: c.app_id)
    )
    services = tuple(_build_service(spec) for spec in ordered)
    return Topology(
        services=services,
        topics=topics,
        invocations=invocations,
        stores=_build_stores(ordered),
    )


STATE_TYPES = "state."


def _has_state(spec: ServiceSpec) -> bool:
    """Whether the service's features call a state store (the spec's features, as planned)."""
    components = deployment_of(spec, spec.features).components
    return bool(spec.state) or any(c.type_prefix == STATE_TYPES for c in components)


def _build_service(spec: ServiceSpec) -> ServiceNode:
    store = store_id(spec.state_store, spec.state_backend) if _has_state(spec) else None
    return ServiceNode(
        name=spec.name,
        state_keys=tuple(key.key for key in spec.state),
        store=store,
        has_agent=spec.agent is not None,  # a service with the agent feature has the block
    )


def _build_stores(specs: list[ServiceSpec]) -> tuple[StoreNode, ...]:
    users: dict[tuple[str, str], list[str]] = {}
    for spec in specs:
        if _has_state(spec):
            users.setdefault((spec.state_store, str(spec.state_backend)), []).append(spec.name)
    return tuple(
        StoreNode(name=name, backend=backend, users=tuple(names))
        for (name, backend), names in sorted(users.items())
    )


def service_id(name: str) -> str:
    """A node id safe in mermaid and dot: `svc_code_review`."""
    return "svc_" + name.replace("-", "_")


def topic_id(name: str) -> str:
    """A node id for a topic; `.` becomes `__` and `-` becomes `_`, so ids never collide."""
    return "topic_" + name.replace(".", "__").replace("-", "_")


def store_id(name: str, backend: str) -> str:
    """A node id for a state store component: `store_statestore_redis`."""
    return f"store_{name}_{backend}"
