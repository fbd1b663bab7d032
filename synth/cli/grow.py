"""`synth add-feature`, `remove-feature` and `upgrade`: three-way merges into a service."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synth.cli.shell import app, emit_json, guarded
from synth.errors import FeatureError
from synth.features.registry import parse_feature_names
from synth.grow import GrowthResult, add_features, remove_feature, upgrade_service
from synth.workspace import render_diff, write_changes

__all__ = ["report_merge"]

DryRun = Annotated[bool, typer.Option(help="Print the diff against the disk; write nothing.")]
AsJson = Annotated[
    bool, typer.Option("--json", help="Print one JSON object: each file and its action.")
]
Force = Annotated[
    bool,
    typer.Option(
        help="On a conflict, synth's version wins; every owner piece it replaces is listed."
    ),
]
Service = Annotated[Path, typer.Argument(help="The service folder (holds synth.yaml).")]


def report_merge(
    results: list[GrowthResult], *, command: str, dry_run: bool, as_json: bool
) -> None:
    """Write (unless dry run or conflicts), then report; exit 1 when anything conflicted."""
    conflicted = [r for r in results if r.conflicts]
    if not conflicted and not dry_run:
        for result in results:
            write_changes(result.changes, result.root)
    if as_json:
        emit_json(_json(results, command=command, dry_run=dry_run, written=not conflicted))
    else:
        _text(results, dry_run=dry_run, conflicted=bool(conflicted))
    if conflicted:
        raise typer.Exit(code=1)


def _json(results: list[GrowthResult], *, command: str, dry_run: bool, written: bool) -> object:
    return {
        "ok": all(r.ok for r in results),
        "command": command,
        "dry_run": dry_run,
        "written": written and not dry_run,
        "services": [
            {
                "path": str(r.root),
                "features": [f.value for f in r.features],
                "files": [
                    {"path": str(r.root / c.path), "action": str(c.status)}
                    for c in r.changes.changed
                ],
                "conflicts": [str(c) for c in r.conflicts],
                "forced": [str(f) for f in r.forced],
                "kept_deleted": list(r.kept_deleted),
                "notes": list(r.notes),
            }
            for r in results
        ],
    }


def _text(results: list[GrowthResult], *, dry_run: bool, conflicted: bool) -> None:
    for result in results:
        label = result.root.as_posix()
        for note in result.notes:
            typer.echo(f"synth: note: {note}", err=True)
        for conflict in result.conflicts:
            typer.echo(f"synth: conflict: {label}/{conflict}", err=True)
        for forced in result.forced:
            typer.echo(f"synth: --force: {label}/{forced}", err=True)
        for path in result.kept_deleted:
            typer.echo(f"synth: kept deleted (you deleted it): {label}/{path}", err=True)
        if conflicted:
            continue
        if dry_run:
            typer.echo(render_diff(result.changes, label), nl=False)
        else:
            count = len(result.changes.changed)
            features = ", ".join(f.value for f in result.features)
            typer.echo(f"synth: {label}: {count or 'no'} files changed ({features})")
    if conflicted:
        total = sum(len(r.conflicts) for r in results)
        typer.echo(
            f"synth: nothing written: {total} conflict(s) between your edits and synth's; "
            "change those pieces, or rerun with --force to take synth's version "
            "(every piece it replaces is listed)",
            err=True,
        )


@app.command("add-feature")
def add_feature(
    service: Service,
    features: Annotated[str, typer.Argument(help="Features to add, comma-separated.")],
    specs: Annotated[
        Path, typer.Option("--specs", help="Specs folder (to adopt a service synth did not make).")
    ] = Path("specs"),
    force: Force = False,
    dry_run: DryRun = False,
    as_json: AsJson = False,
) -> None:
    """Add features to an existing (possibly hand-edited) service, keeping every owner edit.

    A FastAPI service synth did not generate (`<package>/main.py` with `app = FastAPI(...)`)
    is adopted: its app gets synth's lifespan, and it gets a synth.yaml.
    """

    def run() -> None:
        names = parse_feature_names(features)
        if not names:
            raise FeatureError("name at least one feature to add, e.g. pubsub")
        result = add_features(service, names, specs_dir=specs, force=force)
        report_merge([result], command="add-feature", dry_run=dry_run, as_json=as_json)

    guarded(run)


@app.command("remove-feature")
def remove_feature_command(
    service: Service,
    feature: Annotated[str, typer.Argument(help="The feature to remove.")],
    force: Force = False,
    dry_run: DryRun = False,
    as_json: AsJson = False,
) -> None:
    """Remove a feature: its pieces go where you left them as synth made them; a piece you
    changed is a conflict (exit 1, nothing written) unless --force."""

    def run() -> None:
        names = parse_feature_names(feature)
        if len(names) != 1:
            raise FeatureError("name exactly one feature to remove")
        result = remove_feature(service, names[0], force=force)
        report_merge([result], command="remove-feature", dry_run=dry_run, as_json=as_json)

    guarded(run)


@app.command("upgrade")
def upgrade(
    service: Service,
    force: Force = False,
    dry_run: DryRun = False,
    as_json: AsJson = False,
) -> None:
    """Regenerate the service with this synth (same spec, same features) and merge: your
    edits stay, synth's improvements arrive, conflicts are listed."""

    def run() -> None:
        result = upgrade_service(service, force=force)
        report_merge([result], command="upgrade", dry_run=dry_run, as_json=as_json)

    guarded(run)
