"""`<pkg>/state.py`: the runtime's reads and writes, then a value model and helpers per key."""

from __future__ import annotations

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
from synth.codegen.runtime import runtime_units
from synth.spec import FieldSpec, FieldType, ServiceSpec, StateKeySpec

__all__ = ["state_units"]

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


def state_units(spec: ServiceSpec, keys: tuple[StateKeySpec, ...]) -> tuple[Unit, ...]:
    """The module: docstring, `read_value`/`write_value`/... , then each key's model and helpers."""
    units: list[Unit] = [
        Unit(
            build_docstring(
                f"Typed state of the {spec.name} service: a value model and helpers "
                "per key.\n\n"
                "Keys follow the spec's templates; values are JSON in the Dapr state store "
                "named by the `STATE_STORE` setting."
            )
        ),
        *runtime_units("state/state.py", spec.package, docstring=False).units,
    ]
    for key in keys:
        units.extend(_key_units(key))
    return tuple(units)


def _key_units(key: StateKeySpec) -> tuple[Unit, ...]:
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


def _model_imports(key: StateKeySpec) -> tuple[ImportRequest, ...]:
    needs = [ImportRequest("pydantic", "BaseModel")]
    if any(f.type is FieldType.DATETIME for f in key.fields):
        needs.append(ImportRequest("datetime", "datetime"))
    return tuple(needs)
