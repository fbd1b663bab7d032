"""`<pkg>/publishers.py`: the runtime's `publish`, then a typed publisher per published topic."""

from __future__ import annotations

import libcst as cst

from synth.codegen import (
    ImportRequest,
    Unit,
    build_docstring,
    build_name,
    build_str,
    expand_template,
)
from synth.codegen.runtime import runtime_units
from synth.spec import ServiceSpec, TopicSpec

__all__ = ["publishers_units"]

_PUBLISHERS_DOC = (
    "Typed publishers of the {service} service: one function per published topic.\n\n"
    "Events go out as JSON to the pub/sub component named by the `PUBSUB_NAME` setting, keyed by "
    "their partition key, carrying the trace of the event being handled."
)

_PUBLISHER = """
from dapr.aio.clients import DaprClient

from {package}.events import EventContext


async def {publisher}(
    client: DaprClient, event: {model}, *, trace: EventContext | None = None
) -> None:
    {doc}
    await publish(client, {topic}, event, partition_key={partition}, trace=trace)
"""


def publishers_units(spec: ServiceSpec, published: list[TopicSpec]) -> tuple[Unit, ...]:
    """The module: docstring, `outgoing_event_id` and `publish`, then one function per topic."""
    units: list[Unit] = [
        Unit(build_docstring(_PUBLISHERS_DOC.format(service=spec.name))),
        *runtime_units("pubsub/publishers.py", spec.package, docstring=False).units,
    ]
    for topic in published:
        key = topic.partition_key
        partition: cst.BaseExpression = (
            cst.Attribute(cst.Name("event"), build_name(key)) if key else cst.Name("None")
        )
        keyed = f", keyed by `{key}`" if key else ""
        for unit in expand_template(
            _PUBLISHER,
            {
                "package": build_name(spec.package),
                "publisher": build_name(topic.publisher_name),
                "model": build_name(topic.model_name),
                "topic": build_str(topic.topic),
                "partition": partition,
                "doc": build_docstring(
                    f"Publish one `{topic.topic}` event{keyed}.\n\nAs JSON, to the pub/sub "
                    "component named by `PUBSUB_NAME`.",
                    indent=4,
                ),
            },
        ).units:
            own = ImportRequest(f"{spec.package}.events", topic.model_name)
            units.append(Unit(unit.node, (*unit.imports, own)))
    return tuple(units)
