"""`synth new` and `synth list`: create services from specs (or from options), list what exists."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from synth import api
from synth.cli.grow import report_merge
from synth.cli.shell import app, emit_json, guarded
from synth.errors import SpecError
from synth.features.registry import available_features, parse_feature_names
from synth.grow import stage_new
from synth.spec import (
    FeatureName,
    FieldSpec,
    ServiceSpec,
    StateBackend,
    StateKeySpec,
    describe_validation_error,
    find_spec_file,
    load_spec,
    spec_names,
)

__all__: list[str] = []

SpecsOption = Annotated[Path, typer.Option("--specs", help="Folder of service specs (NAME.yaml).")]


def _adhoc_spec(name: str, port: int | None, keys: list[str], backend: StateBackend) -> ServiceSpec:
    try:
        state = tuple(StateKeySpec(key=key, fields=(FieldSpec(name="value"),)) for key in keys)
        return ServiceSpec(name=name, port=port or 8000, state=state, state_backend=backend)
    except ValidationError as exc:
        raise SpecError(f"invalid service '{name}': {describe_validation_error(exc)}") from None


@app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="Service name (a spec in --specs, or ad hoc).")] = "",
    with_: Annotated[
        str | None,
        typer.Option("--with", help="Features, comma-separated (default: the spec's)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Target folder (default: out/NAME).")
    ] = None,
    specs: SpecsOption = Path("specs"),
    all_: Annotated[
        bool, typer.Option("--all", help="Generate every spec in --specs into --out (out/).")
    ] = False,
    port: Annotated[int | None, typer.Option(help="App port of an ad-hoc service.")] = None,
    state_key: Annotated[
        list[str] | None,
        typer.Option("--state-key", help="Ad-hoc state key template, e.g. 'order:{id}'."),
    ] = None,
    state_store: Annotated[
        StateBackend, typer.Option(help="Production state store for an ad-hoc service.")
    ] = StateBackend.REDIS,
    force: Annotated[
        bool,
        typer.Option(
            help="Over a service synth made: on a conflict synth's version wins "
            "(every piece it replaces is listed)."
        ),
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="Print the diff; write nothing.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print paths and status as JSON.")
    ] = False,
) -> None:
    """Create a complete, deployable service (from specs/NAME.yaml when it exists)."""

    def run() -> None:
        if all_:
            loaded = [load_spec(find_spec_file(n, specs) or specs) for n in spec_names(specs)]
            if not loaded:
                raise SpecError(f"{specs}: no specs found; add NAME.yaml files or pass --specs")
            base = out or Path("out")
            plans = [(plan, base / plan.spec.name) for plan in api.new_services(loaded, base)]
        else:
            if not name:
                raise SpecError("give a service NAME (or --all); see `synth list`")
            spec_file = find_spec_file(name, specs)
            if spec_file is not None:
                spec = load_spec(spec_file)
            else:
                spec = _adhoc_spec(name, port, state_key or [], state_store)
            features = (
                parse_feature_names(with_) if with_ is not None else api.runnable_features(spec)
            )
            target = out or Path("out") / spec.name
            plans = [(api.new_service(spec, features, target, force=force), target)]
        platform = (out or Path("out")) if all_ else None
        results = stage_new(plans, force=force, platform=platform)
        report_merge(results, command="new", dry_run=dry_run, as_json=as_json)

    guarded(run)


@app.command("list")
def list_(
    specs: SpecsOption = Path("specs"),
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The specs and features synth knows."""

    def run() -> None:
        features = available_features()
        names = spec_names(specs)
        if as_json:
            emit_json({"specs": names, "features": sorted(f.value for f in features)})
            return
        typer.echo("features:")
        for name in FeatureName:
            feature = features.get(name)
            summary = feature.summary if feature else "(not available yet)"
            typer.echo(f"  {name.value:<8} {summary}")
        typer.echo(f"specs ({specs}):")
        for spec_name in names:
            typer.echo(f"  {spec_name}")

    guarded(run)
