"""`tests/test_pubsub.py`: deliveries as daprd makes them, `/dapr/subscribe`, the publishers."""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from synth.codegen import (
    ImportRequest,
    Unit,
    build_annotation,
    build_dict,
    build_docstring,
    build_int,
    build_list,
    build_name,
    build_str,
    expand_template,
)
from synth.codegen.runtime import runtime_units
from synth.features.pubsub.hooks import Dedupe
from synth.features.pubsub.test_templates import (
    TESTS,
    TESTS_EVENT_IDS,
    TESTS_PUBLISHER,
    TESTS_REPUBLISH,
)
from synth.spec import FieldSpec, FieldType, ServiceSpec, TopicSpec

__all__ = ["own_file_units", "tests_units"]

_OWN_MODULE = "tests.test_pubsub"

_SAMPLES: dict[FieldType, cst.BaseExpression] = {
    FieldType.INT: build_int(3),
    FieldType.FLOAT: cst.Float("0.5"),
    FieldType.BOOL: cst.Name("True"),
    FieldType.DATETIME: build_str("2026-01-02T03:04:05Z"),
    FieldType.LIST_STR: build_list([build_str("a"), build_str("b")]),
    FieldType.DICT_STR: build_dict([(build_str("k"), build_str("v"))]),
    FieldType.DICT_INT: build_dict([(build_str("k"), build_int(1))]),
    FieldType.DICT_FLOAT: build_dict([(build_str("k"), cst.Float("0.25"))]),
}


def tests_units(
    spec: ServiceSpec,
    subscribed: list[TopicSpec],
    published: list[TopicSpec],
    topics: list[TopicSpec],
    dedupe: Dedupe | None,
) -> tuple[Unit, ...]:
    """The module: helpers, a sample payload per topic, then the tests of each topic."""
    expected = build_list(
        [
            build_dict(
                [
                    (build_str("pubsubname"), build_str(spec.pubsub)),
                    (build_str("topic"), build_str(t.topic)),
                    (build_str("route"), build_str(t.route(spec.pubsub))),
                    (build_str("metadata"), cst.Dict([])),
                    (build_str("deadLetterTopic"), build_str(f"{t.topic}.dlq")),
                ]
            )
            for t in subscribed
        ]
    )
    units: list[Unit] = [
        Unit(
            build_docstring(
                "Deliveries as daprd makes them (CloudEvents), `/dapr/subscribe`, and what the "
                "publishers hand to the Dapr client."
            )
        ),
        *_helpers(spec, "TRACEPARENT", *(["Topic"] if subscribed else [])),
    ]
    units.extend(
        Unit(
            cst.SimpleStatementLine(
                [
                    cst.AnnAssign(
                        build_name(t.payload_name),
                        build_annotation("dict[str, object]"),
                        value=_payload(t.fields),
                    )
                ]
            )
        )
        for t in topics
    )
    if subscribed:
        units += [_subscribed(spec, subscribed), *_helpers(spec, "EACH_TOPIC", "FIRST")]
    units.extend(_units(TESTS, pubsub=build_str(spec.pubsub), expected=expected))
    if subscribed:
        units.extend(_route_tests(spec, dedupe))
    for topic in published:
        units.extend(_publisher_test(spec, topic))
    if published:
        units.extend(_event_id_tests(spec, subscribed, published[0]))
    return tuple(units)


def _model(spec: ServiceSpec, topic: TopicSpec) -> ImportRequest:
    return ImportRequest(f"{spec.package}.events", topic.model_name)


def _subscribed(spec: ServiceSpec, subscribed: list[TopicSpec]) -> Unit:
    """`SUBSCRIBED`: a `Topic` per subscribed topic, what the runtime tests of routes run on."""
    topics = [
        cst.Call(
            build_name("Topic"),
            [
                cst.Arg(value, keyword=build_name(keyword))
                for keyword, value in (
                    ("name", build_str(t.topic)),
                    ("route", build_str(t.route(spec.pubsub))),
                    ("handler", build_str(t.handler_name)),
                    ("model", build_name(t.model_name)),
                    ("payload", build_name(t.payload_name)),
                )
            ],
        )
        for t in subscribed
    ]
    value = cst.Tuple([cst.Element(t) for t in topics])
    node = cst.SimpleStatementLine(
        [cst.Assign([cst.AssignTarget(build_name("SUBSCRIBED"))], value)]
    )
    return Unit(node, tuple(_model(spec, t) for t in subscribed))


def _route_tests(spec: ServiceSpec, dedupe: Dedupe | None) -> list[Unit]:
    """The tests of the delivery routes (synth/runtime/pubsub/test_pubsub.py's), on `SUBSCRIBED`.

    What every route shares runs on the first topic; the rest once per topic.
    """
    each = "test_a_valid_event_reaches_its_handler"
    units = _runtime_span(spec, "NeverConnects", each)
    if dedupe is not None:
        units.extend(own_file_units(dedupe.dedupe_first_topic_tests(spec)))
    units += _runtime_span(spec, each, "published_ids")
    if dedupe is not None:
        units.extend(own_file_units(dedupe.dedupe_topic_tests(spec)))
    return units


def _publisher_test(spec: ServiceSpec, topic: TopicSpec) -> list[Unit]:
    metadata: list[tuple[cst.BaseExpression, cst.BaseExpression]] = []
    key = topic.partition_key
    if key:
        field = next(f for f in topic.fields if f.name == key)
        value: cst.BaseExpression = (
            _sample(field)
            if field.type is FieldType.STR
            else cst.parse_expression(f"str(event.{key})")
        )
        metadata.append((build_str("partitionKey"), value))
    metadata.append((build_str("cloudevent.traceparent"), cst.Name("TRACEPARENT")))
    metadata.append((build_str("cloudevent.tracestate"), build_str("vendor=1")))
    units = _units(
        TESTS_PUBLISHER,
        package=build_name(spec.package),
        test=build_name(f"test_{topic.publisher_name}_sends_json_keyed_and_traced"),
        model=build_name(topic.model_name),
        payload=build_name(topic.payload_name),
        publisher=build_name(topic.publisher_name),
        pubsub=build_str(spec.pubsub),
        topic=build_str(topic.topic),
        metadata=build_dict(metadata),
    )
    own = (
        _model(spec, topic),
        ImportRequest(f"{spec.package}.publishers", topic.publisher_name),
    )
    return [Unit(u.node, (*u.imports, *own)) for u in units]


def _event_id_tests(
    spec: ServiceSpec, subscribed: list[TopicSpec], published: TopicSpec
) -> list[Unit]:
    """Outgoing CloudEvent ids: derived inside a delivery, fresh outside one."""
    nodes: dict[str, cst.CSTNode] = {
        "package": build_name(spec.package),
        "publisher": build_name(published.publisher_name),
    }
    units = _units(
        TESTS_EVENT_IDS,
        model=build_name(published.model_name),
        payload=build_name(published.payload_name),
        **nodes,
    )
    if subscribed:
        first = subscribed[0]
        units += _units(
            TESTS_REPUBLISH,
            published=build_name(published.model_name),
            published_payload=build_name(published.payload_name),
            handler=build_str(first.handler_name),
            topic=build_str(first.topic),
            route=build_str(first.route(spec.pubsub)),
            payload=build_name(first.payload_name),
            **nodes,
        )
    own = (
        _model(spec, published),
        ImportRequest(f"{spec.package}.publishers", published.publisher_name),
    )
    return [*_helpers(spec, "published_ids"), *(Unit(u.node, (*u.imports, *own)) for u in units)]


def _runtime(spec: ServiceSpec) -> tuple[Unit, ...]:
    """synth/runtime/pubsub/test_pubsub.py's units; its names from the file itself not imported."""
    units = runtime_units("pubsub/test_pubsub.py", spec.package, docstring=False).units
    return tuple(own_file_units(units))


def own_file_units(units: tuple[Unit, ...]) -> list[Unit]:
    """`units` placed into `tests/test_pubsub.py`: the imports of its own names dropped.

    A runtime test module imports them from `synth.runtime.standin.test_pubsub` (the spec-shaped
    constants and helpers) or `synth.runtime.pubsub.test_pubsub`; both land as this file.
    """
    return [
        replace(u, imports=tuple(i for i in u.imports if i.module != _OWN_MODULE)) for u in units
    ]


def _helpers(spec: ServiceSpec, *names: str) -> tuple[Unit, ...]:
    """The fixed helpers `names` of synth/runtime/pubsub/test_pubsub.py, in that order."""
    by_name = {u.identity[-1]: u for u in _runtime(spec)}
    return tuple(by_name[name] for name in names)


def _runtime_span(spec: ServiceSpec, start: str, stop: str) -> list[Unit]:
    """The units of synth/runtime/pubsub/test_pubsub.py from `start` up to (not with) `stop`."""
    units = _runtime(spec)
    names = [u.identity[-1] for u in units]
    return list(units[names.index(start) : names.index(stop)])


def _units(template: str, **nodes: cst.CSTNode) -> tuple[Unit, ...]:
    return expand_template(template, nodes).units


def _sample(field: FieldSpec) -> cst.BaseExpression:
    if field.type is FieldType.STR:
        return build_str(f"{field.name}-1")
    return _SAMPLES[field.type]


def _payload(fields: tuple[FieldSpec, ...]) -> cst.Dict:
    return build_dict([(build_str(f.name), _sample(f)) for f in fields])
