"""Sample values of the generated tests, one per field type."""

from __future__ import annotations

import libcst as cst

from synth.codegen import build_dict, build_list, build_str
from synth.spec import FieldSpec, FieldType

__all__ = ["sample", "state_sample"]

_SAMPLES: dict[FieldType, cst.BaseExpression] = {
    FieldType.INT: cst.Integer("3"),
    FieldType.FLOAT: cst.Float("0.5"),
    FieldType.BOOL: cst.Name("True"),
    FieldType.DATETIME: build_str("2026-01-02T03:04:05Z"),
    FieldType.LIST_STR: build_list([build_str("a"), build_str("b")]),
    FieldType.DICT_STR: build_dict([(build_str("k"), build_str("v"))]),
    FieldType.DICT_INT: build_dict([(build_str("k"), cst.Integer("1"))]),
    FieldType.DICT_FLOAT: build_dict([(build_str("k"), cst.Float("0.25"))]),
}


def sample(field: FieldSpec) -> cst.BaseExpression:
    if field.type is FieldType.STR:
        return build_str(f"{field.name}-1")
    return _SAMPLES[field.type]


def state_sample(field: FieldSpec) -> cst.BaseExpression:
    if field.type is FieldType.DATETIME:
        return cst.parse_expression("datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)")
    return sample(field)
