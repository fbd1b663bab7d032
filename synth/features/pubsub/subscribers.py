"""`<pkg>/subscribers.py` (the runtime, then a receiver per topic) and `<pkg>/handlers.py`."""

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
from synth.features.pubsub.hooks import Dedupe
from synth.spec import ServiceSpec, TopicSpec

__all__ = ["handlers_units", "main_units", "subscribers_units"]

_SUBSCRIBERS_DOC = (
    "Dapr subscriptions of the {service} service: `/dapr/subscribe` and one route per topic.\n\n"
    "Each delivery answers HTTP 200 with SUCCESS, RETRY (transient failure) or DROP (invalid "
    "payload or a failed handler; Dapr dead-letters it to `<topic>.dlq`)."
)

_HANDLERS_DOC = (
    "What the {service} service does with each event: the owner's code, one function per "
    "subscribed topic.\n\nsynth wrote each function once (it only logs the event) and never "
    "rewrites one you changed. Return normally when done; raise to fail: transient failures "
    "(Dapr unreachable, timeouts, gRPC UNAVAILABLE) are retried, any other exception "
    "dead-letters the event."
)

_RECEIVER = """
@subscriber({topic}, {route}, {model})
async def {receiver}(request: Request) -> dict[str, str]:
    {doc}
    return await deliver(request, {model}, {handler})
"""
_HANDLER = """
from dapr.aio.clients import DaprClient

from {package}.events import EventContext


async def {handler}(event: {model}, context: EventContext, client: DaprClient) -> None:
    {doc}
    logger.info(
        "%s event %s received",
        context.topic,
        context.id,
        extra={"fields": {"topic": context.topic, "event_id": context.id}},
    )
"""
_MAIN = """
from {package}.subscribers import subscriptions_router

app.include_router(subscriptions_router)
"""


def subscribers_units(
    spec: ServiceSpec, subscribed: list[TopicSpec], dedupe: Dedupe | None
) -> tuple[Unit, ...]:
    """The module: docstring, the runtime (its runner from `dedupe`, if offered), receivers."""
    doc = Unit(build_docstring(_SUBSCRIBERS_DOC.format(service=spec.name)))
    core: list[Unit] = []
    runner = ("def", "run_handler")
    here = f"{spec.package}.subscribers"
    for unit in runtime_units("pubsub/subscribers.py", spec.package, docstring=False).units:
        if unit.identity != runner or dedupe is None:
            core.append(unit)
            continue
        for hooked in dedupe.dedupe_runner(spec):
            imports = tuple(i for i in hooked.imports if i.module != here)
            core.append(Unit(hooked.node, imports, hooked.container))
    receivers: list[Unit] = []
    for topic in subscribed:
        own = (
            ImportRequest(f"{spec.package}.events", topic.model_name),
            ImportRequest(f"{spec.package}.handlers", topic.handler_name),
        )
        for unit in _units(
            _RECEIVER,
            topic=build_str(topic.topic),
            route=build_str(topic.route(spec.pubsub)),
            receiver=build_name(topic.receiver_name),
            model=build_name(topic.model_name),
            handler=build_name(topic.handler_name),
            doc=build_docstring(
                f"Deliveries of `{topic.topic}`.\n\nValidated into `{topic.model_name}`, "
                f"handled by `{topic.handler_name}`.",
                indent=4,
            ),
        ):
            receivers.append(Unit(unit.node, (*unit.imports, *own)))
    return (doc, *core, *receivers)


def handlers_units(spec: ServiceSpec, subscribed: list[TopicSpec]) -> tuple[Unit, ...]:
    """The owner's seam: one function per subscribed topic that logs its event.

    (The agent contributes its own handler of its request topic in place of this one.)
    """
    units: list[Unit] = [
        Unit(build_docstring(_HANDLERS_DOC.format(service=spec.name))),
        *runtime_units("pubsub/handlers.py", spec.package, docstring=False).units,
    ]
    for topic in subscribed:
        text = (
            f"Handle one `{topic.topic}` event.\n\nThis is the extension point: the "
            "service's logic goes here."
        )
        for unit in _units(
            _HANDLER,
            package=build_name(spec.package),
            handler=build_name(topic.handler_name),
            model=build_name(topic.model_name),
            doc=build_docstring(text, indent=4),
        ):
            own = ImportRequest(f"{spec.package}.events", topic.model_name)
            units.append(Unit(unit.node, (*unit.imports, own)))
    return tuple(units)


def main_units(spec: ServiceSpec) -> tuple[Unit, ...]:
    """`app.include_router(subscriptions_router)` in `<pkg>/main.py`, after the app."""
    return tuple(
        Unit(u.node, u.imports, anchor=("assign", "app"))
        for u in _units(_MAIN, package=build_name(spec.package))
    )


def _units(template: str, **nodes: cst.CSTNode) -> tuple[Unit, ...]:
    return expand_template(template, nodes).units
