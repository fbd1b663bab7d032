"""`<pkg>/events.py`: the runtime's EventContext and Delivery, and one pydantic model per topic."""

from __future__ import annotations

import libcst as cst

from synth.codegen import ImportRequest, Unit, build_annotation, build_docstring, build_name
from synth.codegen.runtime import runtime_units
from synth.errors import FeatureError
from synth.spec import FieldSpec, FieldType, ServiceSpec, TopicSpec

__all__ = ["distinct_topics", "events_units"]

_EVENTS_DOC = (
    "Events of the {service} service: a pydantic model per topic it subscribes to or publishes, "
    "and the context of a delivery.\n\nModels ignore fields they do not know, so a producer can "
    "add fields without breaking this service."
)


def events_units(spec: ServiceSpec, topics: list[TopicSpec]) -> tuple[Unit, ...]:
    """The module: its docstring, the runtime's delivery context, then a model per topic."""
    return (
        Unit(build_docstring(_EVENTS_DOC.format(service=spec.name))),
        *runtime_units("pubsub/events.py", spec.package, docstring=False).units,
        *(_model_unit(t) for t in topics),
    )


def distinct_topics(topics: list[TopicSpec]) -> list[TopicSpec]:
    """One model per topic name; two topics must not derive the same Python names."""
    by_name: dict[str, TopicSpec] = {}
    for topic in topics:
        seen = by_name.get(topic.topic)
        if seen is not None and seen.fields != topic.fields:
            raise FeatureError(
                f"topic '{topic.topic}' is both subscribed and published with different fields; "
                "give both the same fields"
            )
        by_name.setdefault(topic.topic, topic)
    models: dict[str, str] = {}
    for topic in by_name.values():
        for derived in (topic.model_name, topic.snake):
            other = models.setdefault(derived, topic.topic)
            if other != topic.topic:
                raise FeatureError(
                    f"topics '{other}' and '{topic.topic}' both become `{derived}` in Python; "
                    "rename one of them"
                )
    return list(by_name.values())


def _model_unit(topic: TopicSpec) -> Unit:
    doc = topic.description or f"The payload of a `{topic.topic}` event."
    key = topic.partition_key
    doc += f"\n\nTopic `{topic.topic}`" + (f", partitioned by `{key}`." if key else ".")
    body: list[cst.BaseStatement] = [
        build_docstring(doc, indent=4),
        cst.parse_statement('model_config = ConfigDict(extra="ignore")').with_changes(
            leading_lines=[cst.EmptyLine()]
        ),
    ]
    fields = [_field(f) for f in topic.fields]
    fields[0] = fields[0].with_changes(leading_lines=[cst.EmptyLine()])
    body.extend(fields)
    node = cst.ClassDef(
        name=build_name(topic.model_name),
        bases=[cst.Arg(cst.Name("BaseModel"))],
        body=cst.IndentedBlock(body),
    )
    imports = [ImportRequest("pydantic", "BaseModel"), ImportRequest("pydantic", "ConfigDict")]
    if any(f.type is FieldType.DATETIME for f in topic.fields):
        imports.append(ImportRequest("datetime", "datetime"))
    return Unit(node, tuple(imports))


def _field(spec: FieldSpec) -> cst.SimpleStatementLine:
    annotation = spec.type.value + (" | None" if spec.optional else "")
    value = cst.Name("None") if spec.optional else None
    return cst.SimpleStatementLine(
        [cst.AnnAssign(build_name(spec.name), build_annotation(annotation), value=value)]
    )
