"""`tests/test_pubsub.py`: deliveries as daprd makes them, `/dapr/subscribe`, the publishers.

The tests are `synth/runtime/pubsub/test_pubsub.py`'s (and the dedupe feature's); what they
read of the spec is generated here as constants at the top of the file: `PUBSUB`, a sample
payload per topic, `SUBSCRIBED` (a `Topic` each) and `PUBLISHED` (a `Published` each).
"""

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
from synth.features.pubsub.test_templates import TESTS
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
    """The module: the spec's constants, helpers, then the tests of the routes and publishers."""
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
        *_helpers(spec, "TRACEPARENT"),
        _constant("PUBSUB", build_str(spec.pubsub)),
        *_helpers(
            spec,
            *(["Topic"] if subscribed else []),
            *(["Published"] if published else []),
            *(["cloud_event"] if subscribed else []),
        ),
    ]
    units.extend(
        _constant(t.payload_name, _payload(t.fields), build_annotation("dict[str, object]"))
        for t in topics
    )
    if subscribed:
        topic_entries = [_topic(spec, t) for t in subscribed]
        units += [_tuple("SUBSCRIBED", topic_entries), *_helpers(spec, "EACH_TOPIC", "FIRST")]
    if published:
        entries = [_published(spec, t) for t in published]
        units += [
            _tuple("PUBLISHED", entries),
            *_helpers(spec, "EACH_PUBLISHED", "FIRST_PUBLISHED"),
        ]
    units += _helpers(spec, "_Response", "post_cloud_event")
    units.extend(expand_template(TESTS, {"expected": expected}).units)
    if subscribed:
        units.extend(_route_tests(spec, dedupe))
    if published:
        republish = "test_a_handler_that_published_then_failed_republishes_the_same_event_id"
        units += _runtime_span(spec, "test_a_publisher_sends_json_keyed_and_traced", republish)
        if subscribed:
            units += _helpers(spec, republish)
    return tuple(units)


def _model(spec: ServiceSpec, topic: TopicSpec) -> ImportRequest:
    return ImportRequest(f"{spec.package}.events", topic.model_name)


def _constant(
    name: str, value: cst.BaseExpression, annotation: cst.Annotation | None = None
) -> Unit:
    target = build_name(name)
    statement: cst.BaseSmallStatement = (
        cst.Assign([cst.AssignTarget(target)], value)
        if annotation is None
        else cst.AnnAssign(target, annotation, value=value)
    )
    return Unit(cst.SimpleStatementLine([statement]))


def _call(name: str, fields: list[tuple[str, cst.BaseExpression]]) -> cst.Call:
    return cst.Call(
        build_name(name), [cst.Arg(value, keyword=build_name(key)) for key, value in fields]
    )


def _tuple(name: str, entries: list[tuple[cst.Call, tuple[ImportRequest, ...]]]) -> Unit:
    """`name = (entry, ...)`, with the imports its entries use."""
    value = cst.Tuple([cst.Element(call) for call, _ in entries])
    unit = _constant(name, value)
    return replace(unit, imports=tuple(i for _, imports in entries for i in imports))


def _topic(spec: ServiceSpec, topic: TopicSpec) -> tuple[cst.Call, tuple[ImportRequest, ...]]:
    """The `Topic` of a subscribed topic, what the runtime tests of its route run on."""
    call = _call(
        "Topic",
        [
            ("name", build_str(topic.topic)),
            ("route", build_str(topic.route(spec.pubsub))),
            ("handler", build_str(topic.handler_name)),
            ("model", build_name(topic.model_name)),
            ("payload", build_name(topic.payload_name)),
        ],
    )
    return call, (_model(spec, topic),)


def _published(spec: ServiceSpec, topic: TopicSpec) -> tuple[cst.Call, tuple[ImportRequest, ...]]:
    """The `Published` of a published topic, what the runtime tests of its publisher run on."""
    key = topic.partition_key
    call = _call(
        "Published",
        [
            ("name", build_str(topic.topic)),
            ("publish", build_name(topic.publisher_name)),
            ("model", build_name(topic.model_name)),
            ("payload", build_name(topic.payload_name)),
            ("partition_key", build_str(key) if key else cst.Name("None")),
        ],
    )
    publisher = ImportRequest(f"{spec.package}.publishers", topic.publisher_name)
    return call, (_model(spec, topic), publisher)


def _route_tests(spec: ServiceSpec, dedupe: Dedupe | None) -> list[Unit]:
    """The tests of the delivery routes (synth/runtime/pubsub/test_pubsub.py's), on `SUBSCRIBED`.

    What every route shares runs on the first topic; the rest once per topic.
    """
    each = "test_a_valid_event_reaches_its_handler"
    units = _runtime_span(spec, "NeverConnects", each)
    if dedupe is not None:
        units.extend(own_file_units(dedupe.dedupe_first_topic_tests(spec)))
    units += _runtime_span(spec, each, "test_a_publisher_sends_json_keyed_and_traced")
    if dedupe is not None:
        units.extend(own_file_units(dedupe.dedupe_topic_tests(spec)))
    return units


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


def _sample(field: FieldSpec) -> cst.BaseExpression:
    if field.type is FieldType.STR:
        return build_str(f"{field.name}-1")
    return _SAMPLES[field.type]


def _payload(fields: tuple[FieldSpec, ...]) -> cst.Dict:
    return build_dict([(build_str(f.name), _sample(f)) for f in fields])
