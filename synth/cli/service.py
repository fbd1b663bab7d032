"""`synth new`, `synth list` and `synth spec new`: create services and specs, list what exists.

Every check of the input happens before anything is composed: the arguments agree with each
other (a NAME or `--all`; ad-hoc options only without a spec file), the spec file is a readable
spec of that name, the features have what they need in the spec, and the target folder can be
written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synth import api
from synth.cli.grow import report_merge
from synth.cli.shell import app, emit_json, guarded
from synth.errors import FeatureError, SpecError, TargetError
from synth.features.registry import (
    available_features,
    declared_features,
    missing_for_features,
    parse_feature_names,
)
from synth.grow import stage_new
from synth.spec import (
    AdhocOptions,
    FeatureName,
    ServiceSpec,
    StateBackend,
    adhoc_spec,
    dump_spec_data,
    find_spec_file,
    load_spec,
    spec_names,
)
from synth.spec.reserved import is_reserved
from synth.workspace import ChangeSet, FileChange, Workspace, summarize, write_changes

__all__: list[str] = []

DEFAULT_SPECS = Path("specs")
SpecsOption = Annotated[
    Path | None,
    typer.Option("--specs", help="Folder of service specs (NAME.yaml; default specs/)."),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object: status and every file's action.")
]
PortOption = Annotated[int | None, typer.Option("--port", help="App port (default 8000).")]
StateKeyOption = Annotated[
    list[str] | None,
    typer.Option("--state-key", help="State key template, e.g. 'order:{id}' (repeatable)."),
]
StateStoreOption = Annotated[
    StateBackend | None, typer.Option("--state-store", help="Production state store (redis).")
]
SubscribeOption = Annotated[
    list[str] | None, typer.Option("--subscribe", help="A topic it consumes (repeatable).")
]
PublishOption = Annotated[
    list[str] | None, typer.Option("--publish", help="A topic it publishes (repeatable).")
]
InvokeOption = Annotated[
    list[str] | None, typer.Option("--invoke", help="An app id it calls (repeatable).")
]

spec_app = typer.Typer(
    name="spec", help="Write spec files to edit.", no_args_is_help=True, add_completion=False
)
app.add_typer(spec_app, name="spec")


def specs_folder(specs: Path | None) -> Path:
    """The specs folder: the default `specs/` may be missing (ad-hoc services), a named one not."""
    if specs is None:
        return DEFAULT_SPECS
    if not specs.exists():
        raise SpecError(f"{specs}: no such specs folder; create it, or pass another --specs")
    if not specs.is_dir():
        raise SpecError(f"{specs}: is a file, not a folder; --specs takes the folder of specs")
    return specs


def check_target(target: Path, what: str = "--out", *, own_folder: bool = True) -> None:
    """Refuse a target folder that cannot be written: a file, under a file, or (for a folder
    synth replaces whole, `own_folder`) the current folder or one holding it."""
    if target.exists() and not target.is_dir():
        raise TargetError(f"{target} exists and is not a folder; choose another {what}")
    for parent in target.parents:
        if parent.exists() and not parent.is_dir():
            raise TargetError(
                f"{parent} is a file, so {target} cannot be made; choose another {what}"
            )
    here = Path.cwd().resolve()
    if own_folder and target.resolve() in (here, *here.parents):
        raise TargetError(
            f"{target} is the current folder (or holds it); a service gets its own folder, "
            f"e.g. {what} out/NAME"
        )


def _name_is_a_name(name: str) -> None:
    if "/" in name or name.endswith((".yaml", ".yml")):
        raise SpecError(
            f"'{name}' is a path; give the service NAME (specs/NAME.yaml is found by name)"
        )


def _features(with_: str | None, spec: ServiceSpec) -> tuple[FeatureName, ...]:
    if with_ is None:
        features = api.runnable_features(spec)
    else:
        features = tuple(parse_feature_names(with_))
        if not features:
            raise FeatureError(
                f"--with {with_!r} names no feature; give some, e.g. --with state,pubsub, "
                "or leave out --with"
            )
    missing = missing_for_features(spec, (*spec.features, *features))
    if missing:
        raise FeatureError(f"{spec.name}: {missing}")
    return features


def _file_actions(changes: ChangeSet, root: Path) -> list[dict[str, str]]:
    return [{"path": f["path"], "action": f["status"]} for f in summarize(changes, root)]


def check_name(spec: ServiceSpec) -> None:
    """Refuse a name whose package would shadow a module the service imports, now or after
    any feature is added, or one of its folders (derived: synth.spec.reserved)."""
    if is_reserved(spec.package):
        raise SpecError(
            f"invalid service '{spec.name}': its package `{spec.package}` would shadow a Python "
            "module or folder the service has; choose another name"
        )


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
    specs: SpecsOption = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Generate every spec in --specs into --out (out/).")
    ] = False,
    port: PortOption = None,
    state_key: StateKeyOption = None,
    state_store: StateStoreOption = None,
    subscribe: SubscribeOption = None,
    publish: PublishOption = None,
    invoke: InvokeOption = None,
    force: Annotated[
        bool,
        typer.Option(
            help="Over a service synth made: on a conflict synth's version wins "
            "(every piece it replaces is listed)."
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option(help="Print the diff against the disk; write nothing.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a complete, deployable service (from specs/NAME.yaml when it exists).

    Into a folder that already holds a service synth made, `new` is a three-way merge: your
    edits stay, conflicts are named and nothing is written. Any other non-empty folder is
    refused."""
    adhoc = AdhocOptions(
        port=port,
        state_keys=state_key or (),
        state_store=state_store,
        subscribes=subscribe or (),
        publishes=publish or (),
        invokes=invoke or (),
    )

    def run() -> None:
        folder = specs_folder(specs)
        if all_:
            plans = _new_all(name, with_, adhoc, folder, out)
            platform: Path | None = out or Path("out")
        else:
            plans = [_new_one(name, with_, adhoc, folder, out)]
            platform = None
        results = stage_new(plans, force=force, platform=platform)
        report_merge(results, command="new", dry_run=dry_run, as_json=as_json)

    guarded(run)


def _new_one(
    name: str,
    with_: str | None,
    adhoc: AdhocOptions,
    folder: Path,
    out: Path | None,
) -> tuple[api.ServicePlan, Path]:
    if not name:
        raise SpecError("give a service NAME (or --all); see `synth list`")
    _name_is_a_name(name)
    spec_file = find_spec_file(name, folder)
    if spec_file is not None:
        if adhoc.given:
            options = ", ".join(adhoc.given)
            raise SpecError(
                f"{options} {'is' if len(adhoc.given) == 1 else 'are'} for a service without a "
                f"spec, but {spec_file} exists; edit the spec instead, or leave out {options}"
            )
        spec = load_spec(spec_file, match_file_name=True)
    else:
        spec = adhoc_spec(name, adhoc, declared_features)
    features = _features(with_, spec)
    check_name(spec)
    target = out or Path("out") / spec.name
    check_target(target)
    return api.new_service(spec, features, target), target


def _new_all(
    name: str,
    with_: str | None,
    adhoc: AdhocOptions,
    folder: Path,
    out: Path | None,
) -> list[tuple[api.ServicePlan, Path]]:
    if name:
        raise SpecError(f"give NAME ({name}) or --all, not both; drop one of them")
    if with_ is not None or adhoc.given:
        given = "--with" if with_ is not None else adhoc.given[0]
        raise SpecError(f"{given} is for one service; --all uses each spec as it is, drop {given}")
    files = [find_spec_file(n, folder) for n in dict.fromkeys(spec_names(folder))]
    loaded = [load_spec(f, match_file_name=True) for f in files if f is not None]
    if not loaded:
        raise SpecError(f"{folder}: no specs found; add NAME.yaml files or pass --specs")
    for spec in loaded:
        missing = missing_for_features(spec, spec.features)
        if missing:
            raise FeatureError(f"{spec.name}: {missing}")
        check_name(spec)
    base = out or Path("out")
    check_target(base, own_folder=False)
    return [(plan, base / plan.spec.name) for plan in api.new_services(loaded, base)]


@app.command("list")
def list_(specs: SpecsOption = None, as_json: JsonOption = False) -> None:
    """The specs and features synth knows."""

    def run() -> None:
        folder = specs_folder(specs)
        features = available_features()
        names = list(dict.fromkeys(spec_names(folder)))
        if as_json:
            emit_json(
                {
                    "status": "ok",
                    "path": str(folder),
                    "specs": names,
                    "features": sorted(f.value for f in features),
                }
            )
            return
        typer.echo("features:")
        for name in FeatureName:
            feature = features.get(name)
            summary = feature.summary if feature else "(not available yet)"
            typer.echo(f"  {name.value:<8} {summary}")
        typer.echo(f"specs ({folder}):")
        for spec_name in names:
            typer.echo(f"  {spec_name}")

    guarded(run)


@spec_app.command("new")
def spec_new(
    name: Annotated[str, typer.Argument(help="Service name; writes --specs/NAME.yaml.")],
    specs: Annotated[
        Path, typer.Option("--specs", help="Folder to write the spec in (made if missing).")
    ] = DEFAULT_SPECS,
    port: PortOption = None,
    state_key: StateKeyOption = None,
    state_store: StateStoreOption = None,
    subscribe: SubscribeOption = None,
    publish: PublishOption = None,
    invoke: InvokeOption = None,
    force: Annotated[bool, typer.Option(help="Replace an existing spec file.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Write specs/NAME.yaml from the options, to edit and then `synth new NAME`."""
    adhoc = AdhocOptions(
        port=port,
        state_keys=state_key or (),
        state_store=state_store,
        subscribes=subscribe or (),
        publishes=publish or (),
        invokes=invoke or (),
    )

    def run() -> None:
        _name_is_a_name(name)
        spec = adhoc_spec(name, adhoc, declared_features)
        check_name(spec)
        check_target(specs, "--specs", own_folder=False)
        existing = find_spec_file(name, specs) if specs.is_dir() else None
        if existing is not None and not force:
            raise TargetError(f"{existing} exists; edit it, or pass --force to replace it")
        relative = existing.name if existing is not None else f"{name}.yaml"
        before = Workspace(root=specs).original(relative) if specs.is_dir() else None
        text = f"# The {name} service: edit, then `synth new {name}`.\n" + dump_spec_data(spec)
        changes = ChangeSet((FileChange(relative, before, text),))
        write_changes(changes, specs)
        path = specs / relative
        if as_json:
            emit_json({"status": "ok", "path": str(path), "files": _file_actions(changes, specs)})
        else:
            typer.echo(f"wrote {path}; edit it, then `synth new {name}`")

    guarded(run)
