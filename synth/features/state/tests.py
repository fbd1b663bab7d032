"""`tests/test_state.py`: before/after tests of each key's helpers on the fake Dapr client."""

from __future__ import annotations

import libcst as cst

from synth.codegen import (
    ImportRequest,
    Unit,
    build_docstring,
    build_name,
    build_str,
    build_template_units,
)
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

_TEST_KEY = """
import asyncio
from datetime import UTC, datetime

import pytest
from dapr.clients.exceptions import DaprInternalError

from tests.conftest import FakeDaprClient


def {round_trip}(fake_dapr: FakeDaprClient) -> None:
    value = {sample}
    asyncio.run({save_value})
    stored = asyncio.run({get_call})
    assert stored is not None
    assert stored.value == value
    assert fake_dapr.calls[0][1]["key"] == {expected_key}
    assert fake_dapr.calls[0][1]["state_metadata"] == {expected_metadata}


def {missing}(fake_dapr: FakeDaprClient) -> None:
    assert asyncio.run({get_call}) is None


def {stale}(fake_dapr: FakeDaprClient) -> None:
    asyncio.run({save_sample})
    stored = asyncio.run({get_call})
    assert stored is not None
    asyncio.run({save_stored})
    with pytest.raises(DaprInternalError) as caught:
        asyncio.run({save_stored})
    assert is_etag_conflict(caught.value)


def {update}(fake_dapr: FakeDaprClient) -> None:
    asyncio.run({save_sample})
    seen: list[{model} | None] = []

    def change(current: {model} | None) -> {model}:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.touch({expected_key})
        return {sample}

    asyncio.run({update_call})
    assert len(seen) == 2
    assert seen[1] == {sample}


def {create_race}(fake_dapr: FakeDaprClient) -> None:
    seen: list[{model} | None] = []

    def change(current: {model} | None) -> {model}:
        seen.append(current)
        if len(seen) == 1:
            fake_dapr.seed(get_settings().state_store, {expected_key}, {sample}.model_dump_json())
        return {sample}

    asyncio.run({update_call})
    assert seen[0] is None
    assert seen[1] == {sample}


def {delete}(fake_dapr: FakeDaprClient) -> None:
    asyncio.run({save_sample})
    asyncio.run({delete_call})
    assert asyncio.run({get_call}) is None
"""


def state_tests_units(spec: ServiceSpec, keys: tuple[StateKeySpec, ...]) -> tuple[Unit, ...]:
    """The module: its docstring, then six tests per key."""
    units: list[Unit] = [Unit(build_docstring("Before/after tests of the state helpers."))]
    for key in keys:
        units.extend(_test_units(key, build_name(spec.package)))
    return tuple(units)


def _test_units(key: StateKeySpec, package: cst.Name) -> tuple[Unit, ...]:
    stem = key.helper_name
    fake = cst.Name("fake_dapr")
    args: list[cst.BaseExpression] = [fake, *(build_str(f"{p}-1") for p in key.params)]
    stored_value = cst.parse_expression("stored.value")
    expected = key.key
    for p in key.params:
        expected = expected.replace("{" + p + "}", f"{p}-1")
    metadata: dict[str, str] = {"contentType": "application/json"}
    if key.ttl_seconds:
        metadata["ttlInSeconds"] = str(key.ttl_seconds)
    units = build_template_units(
        _TEST_KEY,
        round_trip=build_name(f"test_{stem}_saved_value_reads_back_with_its_etag"),
        missing=build_name(f"test_{stem}_missing_reads_as_none"),
        stale=build_name(f"test_{stem}_write_with_a_stale_etag_is_refused"),
        update=build_name(f"test_{stem}_update_retries_after_a_conflict"),
        delete=build_name(f"test_{stem}_delete_removes_the_value"),
        create_race=build_name(f"test_{stem}_concurrent_creation_loses_no_update"),
        sample=_sample(key),
        save_value=_call(f"save_{stem}", [*args, cst.Name("value")]),
        save_sample=_call(f"save_{stem}", [*args, _sample(key)]),
        save_stored=_call(
            f"save_{stem}", [*args, stored_value], etag=cst.parse_expression("stored.etag")
        ),
        get_call=_call(f"get_{stem}", args),
        delete_call=_call(f"delete_{stem}", args),
        update_call=_call(f"update_{stem}", [*args, cst.Name("change")]),
        model=build_name(key.model_name),
        expected_key=build_str(expected),
        expected_metadata=cst.Dict(
            [cst.DictElement(build_str(k), build_str(v)) for k, v in metadata.items()]
        ),
    )
    own = (
        ImportRequest(f"{package.value}.state", name)
        for name in (
            key.model_name,
            f"save_{stem}",
            f"get_{stem}",
            f"delete_{stem}",
            f"update_{stem}",
            "is_etag_conflict",
        )
    )
    pool = (*own, ImportRequest(f"{package.value}.settings", "get_settings"))
    return tuple(Unit(u.node, (*u.imports, *_used(u.node, pool))) for u in units.units)


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
