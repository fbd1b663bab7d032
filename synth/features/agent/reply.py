"""The reply rule: how the response event is filled from the request and the model's answer.

Field by field, in the response topic's order: a field the request also has with the same type
is copied from the request (a required field whose request counterpart is optional falls back
to its type's empty value); the first required `str` field that the request does not have
carries the model's answer; every other field is None when optional, else its type's empty
value ("", 0, 0.0, False, [], {}, now for a datetime).
"""

from __future__ import annotations

import libcst as cst

from synth.codegen import build_name, build_str
from synth.errors import FeatureError
from synth.spec import FieldSpec, FieldType, TopicSpec

__all__ = ["EMPTY", "Reply"]

EMPTY: dict[FieldType, str] = {
    FieldType.STR: '""',
    FieldType.INT: "0",
    FieldType.FLOAT: "0.0",
    FieldType.BOOL: "False",
    FieldType.DATETIME: "datetime.now(UTC)",
    FieldType.LIST_STR: "[]",
    FieldType.DICT_STR: "{}",
    FieldType.DICT_INT: "{}",
    FieldType.DICT_FLOAT: "{}",
}


class Reply:
    """How the reply event is filled from the request and the answer, decided once per spec."""

    def __init__(self, request: TopicSpec, response: TopicSpec) -> None:
        self.request = request
        self.response = response
        asked = {f.name: f for f in request.fields}
        self.copied: dict[str, FieldSpec] = {
            f.name: asked[f.name]
            for f in response.fields
            if f.name in asked and asked[f.name].type is f.type
        }
        answers = [
            f.name
            for f in response.fields
            if f.type is FieldType.STR and not f.optional and f.name not in asked
        ]
        if not answers:
            raise FeatureError(
                f"agent: response topic '{response.topic}' needs a required str field that "
                f"'{request.topic}' does not have, to carry the model's answer; add one"
            )
        self.answer = answers[0]

    def _value(self, field: FieldSpec) -> cst.BaseExpression:
        if field.name == self.answer:
            return cst.Name("answer")
        source = self.copied.get(field.name)
        if source is not None:
            value = cst.Attribute(cst.Name("event"), build_name(field.name))
            if source.optional and not field.optional:
                return cst.IfExp(
                    test=cst.Comparison(
                        value, [cst.ComparisonTarget(cst.IsNot(), cst.Name("None"))]
                    ),
                    body=value,
                    orelse=cst.parse_expression(EMPTY[field.type]),
                )
            return value
        if field.optional:
            return cst.Name("None")
        return cst.parse_expression(EMPTY[field.type])

    def call(self) -> cst.Call:
        """`ResponseModel(field=..., ...)`: the reply built from `event` and `answer`."""
        return cst.Call(
            build_name(self.response.model_name),
            [cst.Arg(self._value(f), keyword=build_name(f.name)) for f in self.response.fields],
        )

    def describe(self) -> str:
        copied = ", ".join(f"`{name}`" for name in self.copied) or "no field"
        rest = [f.name for f in self.response.fields if f.name not in self.copied]
        others = [f"`{name}`" for name in rest if name != self.answer]
        text = (
            f"The reply to `event`: {copied} copied from it, the model's answer in "
            f"`{self.answer}`."
        )
        if others:
            text += (
                f"\n\n{', '.join(others)}: not produced by the agent, so None or their type's "
                "empty value; fill them here if this service knows them."
            )
        return text

    def expected(
        self, payload: dict[str, cst.BaseExpression], answer: str
    ) -> list[tuple[str, cst.BaseExpression]]:
        """The reply to `payload` as the generated test expects it (JSON values; a datetime
        filled with "now" is left out)."""
        out: list[tuple[str, cst.BaseExpression]] = []
        for field in self.response.fields:
            if field.name == self.answer:
                out.append((field.name, build_str(answer)))
            elif field.name in self.copied:
                out.append((field.name, payload[field.name]))
            elif field.optional:
                out.append((field.name, cst.Name("None")))
            elif field.type is FieldType.DATETIME:
                continue  # "now": the moment of the reply, not compared
            else:
                out.append((field.name, cst.parse_expression(EMPTY[field.type])))
        return out
