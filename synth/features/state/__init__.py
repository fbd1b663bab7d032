"""The `state` feature: typed async helpers for every key template of the spec.

For `mastery:{user_id}` holding `scores: dict[str, float]` it generates, in `<pkg>/state.py`:

    class MasteryState(BaseModel): scores: dict[str, float]
    def mastery_key(user_id: str) -> str                     # "mastery:{user_id}"
    async def get_mastery(client, user_id) -> Stored[MasteryState] | None
    async def save_mastery(client, user_id, value, *, etag=None) -> None
    async def delete_mastery(client, user_id, *, etag=None) -> None
    async def update_mastery(client, user_id, change) -> MasteryState   # ETag-guarded retry

Values are pydantic models stored as JSON; writes with an ETag use first-write concurrency;
a key's `ttl_seconds` is sent as `ttlInSeconds` metadata; the store name comes from settings.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from synth.codegen import (
    ImportRequest,
    Unit,
    build_annotation,
    build_docstring,
    build_fstring,
    build_int,
    build_name,
    build_str,
    build_template_units,
)
from synth.codegen.template import names_in
from synth.features.base import Contribution, Feature, ReadmeSection, settings_units
from synth.features.state.deploy import deployment
from synth.spec import FeatureName, FieldSpec, FieldType, ServiceSpec, StateKeySpec

__all__ = ["StateFeature"]

_CORE = '''
import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import grpc
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from dapr.clients.grpc._state import Concurrency, StateOptions
from grpc.aio import AioRpcError
from pydantic import BaseModel

from {package}.logs import dapr_operation
from {package}.settings import get_settings

ModelT = TypeVar("ModelT", bound=BaseModel)

MAX_CONFLICT_RETRIES = 5


@dataclass(frozen=True)
class Stored(Generic[ModelT]):
    """A value read from the state store, with the ETag that guards the next write."""

    value: ModelT
    etag: str


class StateConflictError(RuntimeError):
    """A read-modify-write lost the ETag race more often than MAX_CONFLICT_RETRIES."""


def is_etag_conflict(error: BaseException) -> bool:
    """True when Dapr refused a write because the ETag did not match (gRPC ABORTED)."""
    cause = error.__cause__ if isinstance(error, DaprInternalError) else error
    return isinstance(cause, AioRpcError) and cause.code() == grpc.StatusCode.ABORTED


async def read_value(client: DaprClient, key: str, model: type[ModelT]) -> Stored[ModelT] | None:
    """Read `key` as `model`; None when it is not stored."""
    store = get_settings().state_store
    async with dapr_operation("state.get", store=store, key=key):
        response = await client.get_state(store, key)
    if not response.data:
        return None
    return Stored(model.model_validate_json(response.data), response.etag)


async def write_value(
    client: DaprClient,
    key: str,
    value: BaseModel,
    *,
    etag: str | None = None,
    ttl_seconds: int | None = None,
    first_write: bool = False,
) -> None:
    """Write `value` as JSON; with `etag`, only if the stored ETag still matches.

    `first_write` without an ETag creates the key only if nobody else has (first-write wins).
    """
    store = get_settings().state_store
    metadata = {"contentType": "application/json"}
    if ttl_seconds is not None:
        metadata["ttlInSeconds"] = str(ttl_seconds)
    guarded = etag is not None or first_write
    options = StateOptions(concurrency=Concurrency.first_write) if guarded else None
    async with dapr_operation("state.save", store=store, key=key):
        await client.save_state(
            store,
            key,
            value.model_dump_json(),
            etag=etag,
            options=options,
            state_metadata=metadata,
        )


async def remove_value(client: DaprClient, key: str, *, etag: str | None = None) -> None:
    """Delete `key`; with `etag`, only if the stored ETag still matches."""
    store = get_settings().state_store
    async with dapr_operation("state.delete", store=store, key=key):
        await client.delete_state(store, key, etag=etag)


async def update_value(
    client: DaprClient,
    key: str,
    model: type[ModelT],
    change: Callable[[ModelT | None], ModelT],
    *,
    ttl_seconds: int | None = None,
) -> ModelT:
    """Read-modify-write `key` under its ETag, retrying on conflict with a short backoff.

    A missing key is created with first-write concurrency, so two replicas creating it at
    once do not lose an update: the loser sees the key on its re-read and retries.
    """
    for attempt in range(MAX_CONFLICT_RETRIES + 1):
        current = await read_value(client, key, model)
        value = change(current.value if current is not None else None)
        try:
            await write_value(
                client,
                key,
                value,
                etag=current.etag if current is not None else None,
                ttl_seconds=ttl_seconds,
                first_write=current is None,
            )
        except DaprInternalError as error:
            lost_race = is_etag_conflict(error) or (
                current is None and await read_value(client, key, model) is not None
            )
            if not lost_race:
                raise
            await asyncio.sleep(0.005 * 2**attempt)
            continue
        return value
    raise StateConflictError(f"{key}: still conflicting after {MAX_CONFLICT_RETRIES} retries")
'''

_KEY = """
from collections.abc import Callable

from dapr.aio.clients import DaprClient


def {key_fn}({params}) -> str:
    {key_doc}
    return {key_expr}


async def {get_fn}({client_params}) -> Stored[{model}] | None:
    {get_doc}
    return await read_value(client, {key_call}, {model})


async def {save_fn}({save_params}) -> None:
    {save_doc}
    await write_value(client, {key_call}, value, etag=etag, ttl_seconds={ttl})


async def {delete_fn}({delete_params}) -> None:
    {delete_doc}
    await remove_value(client, {key_call}, etag=etag)


async def {update_fn}({update_params}) -> {model}:
    {update_doc}
    return await update_value(client, {key_call}, {model}, change, ttl_seconds={ttl})
"""

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


def _field(spec: FieldSpec) -> cst.SimpleStatementLine:
    annotation = spec.type.value + (" | None" if spec.optional else "")
    value = cst.Name("None") if spec.optional else None
    return cst.SimpleStatementLine(
        [cst.AnnAssign(build_name(spec.name), build_annotation(annotation), value=value)]
    )


def _model(key: StateKeySpec) -> cst.ClassDef:
    doc = key.description or f"Value stored under `{key.key}`."
    body: list[cst.BaseStatement] = [build_docstring(doc, indent=4)]
    fields = [_field(f) for f in key.fields]
    fields[0] = fields[0].with_changes(leading_lines=[cst.EmptyLine()])
    body.extend(fields)
    return cst.ClassDef(
        name=build_name(key.model_name),
        bases=[cst.Arg(cst.Name("BaseModel"))],
        body=cst.IndentedBlock(body),
    )


def _key_expression(key: StateKeySpec) -> cst.BaseExpression:
    if not key.params:
        return build_str(key.key)
    parts: list[str | cst.BaseExpression] = []
    rest = key.key
    for param in key.params:
        before, rest = rest.split("{" + param + "}", 1)
        if before:
            parts.append(before)
        parts.append(build_name(param))
    if rest:
        parts.append(rest)
    return build_fstring(parts)


def _params(
    names: list[tuple[str, str]], keyword_only: tuple[tuple[str, str, str], ...] = ()
) -> cst.Parameters:
    params = [cst.Param(build_name(n), build_annotation(t)) for n, t in names]
    kwonly = [
        cst.Param(build_name(n), build_annotation(t), default=cst.parse_expression(d))
        for n, t, d in keyword_only
    ]
    star: cst.ParamStar | cst.MaybeSentinel = (
        cst.ParamStar() if kwonly else cst.MaybeSentinel.DEFAULT
    )
    return cst.Parameters(params=params, kwonly_params=kwonly, star_arg=star)


class StateFeature(Feature):
    """Typed Dapr state helpers from the spec's key templates."""

    name: ClassVar[FeatureName] = FeatureName.STATE
    requires: ClassVar[tuple[FeatureName, ...]] = (FeatureName.APP,)
    summary: ClassVar[str] = "typed state helpers per key: get/save/delete/update with ETags, TTL"

    def contribute(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> Contribution:
        package = build_name(spec.package)
        keys = spec.state or _default_keys(spec)
        module: list[Unit] = [
            Unit(
                build_docstring(
                    f"Typed state of the {spec.name} service: a value model and helpers "
                    "per key.\n\n"
                    "Keys follow the spec's templates; values are JSON in the Dapr state store "
                    "named by the `STATE_STORE` setting."
                )
            ),
            *build_template_units(_CORE, package=package).units,
        ]
        tests: list[Unit] = [Unit(build_docstring("Before/after tests of the state helpers."))]
        for key in keys:
            module.extend(self._key_units(key, package))
            tests.extend(self._test_units(key, package))
        settings = settings_units(deployment(spec, active).env)
        key_lines = "\n".join(
            f"| `{k.key}` | `{k.model_name}` | {k.ttl_seconds or '-'} | "
            f"`get_{k.helper_name}`, `save_`, `delete_`, `update_{k.helper_name}` |"
            for k in keys
        )
        return Contribution(
            python={
                f"{spec.package}/settings.py": settings,
                f"{spec.package}/state.py": tuple(module),
                "tests/test_state.py": tuple(tests),
            },
            deploy=deployment(spec, active),
            readme=(
                ReadmeSection(
                    "State",
                    "| key | value model | TTL (s) | helpers |\n|---|---|---|---|\n"
                    f"{key_lines}\n\n"
                    "Writes with an ETag use first-write concurrency; `update_*` retries a "
                    "read-modify-write on ETag conflicts (bounded).",
                ),
            ),
        )

    def _key_units(self, key: StateKeySpec, package: cst.Name) -> tuple[Unit, ...]:
        stem = key.helper_name
        model = build_name(key.model_name)
        key_params = [(p, "str") for p in key.params]
        client = [("client", "DaprClient"), *key_params]
        key_call = cst.Call(build_name(f"{stem}_key"), [cst.Arg(build_name(p)) for p in key.params])
        etag = (("etag", "str | None", "None"),)
        ttl = build_int(key.ttl_seconds) if key.ttl_seconds else cst.Name("None")
        template = build_template_units(
            _KEY,
            key_fn=build_name(f"{stem}_key"),
            get_fn=build_name(f"get_{stem}"),
            save_fn=build_name(f"save_{stem}"),
            delete_fn=build_name(f"delete_{stem}"),
            update_fn=build_name(f"update_{stem}"),
            params=_params(key_params),
            client_params=_params(client),
            save_params=_params([*client, ("value", key.model_name)], etag),
            delete_params=_params(client, etag),
            update_params=_params(
                [*client, ("change", f"Callable[[{key.model_name} | None], {key.model_name}]")]
            ),
            model=model,
            key_expr=_key_expression(key),
            key_call=key_call,
            ttl=ttl,
            key_doc=build_docstring(f"The state key `{key.key}`.", indent=4),
            get_doc=build_docstring(f"Read `{key.key}`; None when it is not stored.", indent=4),
            save_doc=build_docstring(
                f"Write `{key.key}`; with `etag`, only if nobody wrote it since it was read.",
                indent=4,
            ),
            delete_doc=build_docstring(
                f"Delete `{key.key}`; with `etag`, only if unchanged.", indent=4
            ),
            update_doc=build_docstring(
                f"Read-modify-write `{key.key}` under its ETag, retrying on conflict.", indent=4
            ),
        )
        return (Unit(_model(key), _model_imports(key)), *template.units)

    def _test_units(self, key: StateKeySpec, package: cst.Name) -> tuple[Unit, ...]:
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


def _used(node: cst.CSTNode, pool: tuple[ImportRequest, ...]) -> tuple[ImportRequest, ...]:
    names = names_in(node)
    return tuple(i for i in pool if i.name in names)


def _model_imports(key: StateKeySpec) -> tuple[ImportRequest, ...]:
    needs = [ImportRequest("pydantic", "BaseModel")]
    if any(f.type is FieldType.DATETIME for f in key.fields):
        needs.append(ImportRequest("datetime", "datetime"))
    return tuple(needs)


def _default_keys(spec: ServiceSpec) -> tuple[StateKeySpec, ...]:
    return (
        StateKeySpec(
            key=f"{spec.package}:{{id}}",
            name="item",
            fields=(FieldSpec(name="name", type=FieldType.STR),),
        ),
    )
