"""`tests/test_state.py`: before/after tests of each key's helpers on the fake Dapr client.

The tests are `synth/runtime/state/test_state.py`'s, parametrized over `KEYS`, which is built
here from the spec's state keys (their helpers, key arguments, a sample value, the Dapr key).
"""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from synth.codegen import ImportRequest, Unit, build_name, build_str
from synth.codegen.runtime import runtime_units
from synth.codegen.template import names_in
from synth.spec import FieldType, ServiceSpec, StateKeySpec

__all__ = ["state_tests_units"]

_SAMPLES: dict[FieldType, str] = {
    FieldType.STR: '"sample"',
    FieldType.INT: "3",
    FieldType.FLOAT: "0.5",
    FieldType.BOOL: "True",
    FieldType.DATETIME: "datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)",
    FieldType.LIST_STR: '["a", "b"]',
    FieldType.DICT_STR: '{"k": "v"}',
    FieldType.DICT_INT: '{"k": 1}',
    FieldType.DICT_FLOAT: '{"k": 0.25}',
}

_RUNTIME = "state/test_state.py"
_OWN_MODULE = "tests.test_state"


def state_tests_units(spec: ServiceSpec, keys: tuple[StateKeySpec, ...]) -> tuple[Unit, ...]:
    """The module: `synth/runtime/state/test_state.py`, run on `KEYS` (a `StateKey` per key)."""
    units = [
        replace(u, imports=tuple(i for i in u.imports if i.module != _OWN_MODULE))
        for u in runtime_units(_RUNTIME, spec.package).units
    ]
    at = next(i for i, u in enumerate(units) if u.identity[-1] == "StateKey") + 1
    return (*units[:at], _keys(spec, keys), *units[at:])


def _keys(spec: ServiceSpec, keys: tuple[StateKeySpec, ...]) -> Unit:
    """`KEYS`: each key's helpers, key arguments, a sample value, its Dapr key and metadata."""
    value = cst.Tuple([cst.Element(_state_key(key)) for key in keys])
    node = cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(build_name("KEYS"))], value)])
    helpers = [f"{verb}_{key.helper_name}" for key in keys for verb in _VERBS]
    pool = (
        *(ImportRequest(f"{spec.package}.state", name) for name in helpers),
        *(ImportRequest(f"{spec.package}.state", key.model_name) for key in keys),
        ImportRequest("datetime", "UTC"),
        ImportRequest("datetime", "datetime"),
    )
    return Unit(node, _used(node, pool))


_VERBS = ("save", "get", "update", "delete")


def _state_key(key: StateKeySpec) -> cst.Call:
    expected = key.key
    for p in key.params:
        expected = expected.replace("{" + p + "}", f"{p}-1")
    metadata: dict[str, str] = {"contentType": "application/json"}
    if key.ttl_seconds:
        metadata["ttlInSeconds"] = str(key.ttl_seconds)
    fields: list[tuple[str, cst.BaseExpression]] = [
        ("name", build_str(key.helper_name)),
        *((verb, build_name(f"{verb}_{key.helper_name}")) for verb in _VERBS),
        ("args", cst.Tuple([cst.Element(build_str(f"{p}-1")) for p in key.params])),
        ("sample", _sample(key)),
        ("key", build_str(expected)),
        (
            "metadata",
            cst.Dict([cst.DictElement(build_str(k), build_str(v)) for k, v in metadata.items()]),
        ),
    ]
    return cst.Call(build_name("StateKey"), [cst.Arg(v, keyword=build_name(k)) for k, v in fields])


def _call(
    function: str, args: list[cst.BaseExpression], **keywords: cst.BaseExpression
) -> cst.Call:
    return cst.Call(
        build_name(function),
        [cst.Arg(a) for a in args]
        + [cst.Arg(v, keyword=build_name(k)) for k, v in keywords.items()],
    )


def _sample(key: StateKeySpec) -> cst.Call:
    return _call(
        key.model_name,
        [],
        **{f.name: cst.parse_expression(_SAMPLES[f.type]) for f in key.fields},
    )


def _used(node: cst.CSTNode, pool: tuple[ImportRequest, ...]) -> tuple[ImportRequest, ...]:
    names = names_in(node)
    return tuple(i for i in pool if i.name in names)
