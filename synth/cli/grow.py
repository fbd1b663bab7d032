"""`synth add-feature` and `synth remove-feature`: grow or shrink an existing service."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synth.cli.shell import app, emit_json, guarded
from synth.errors import FeatureError
from synth.features.registry import parse_feature_names
from synth.grow import GrowthResult, add_features, remove_feature
from synth.workspace import render_diff, summarize, write_changes

__all__: list[str] = []

DryRun = Annotated[bool, typer.Option(help="Print the diff; write nothing.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print paths and status as JSON.")]


def _finish(result: GrowthResult, *, dry_run: bool, as_json: bool, problems: list[str]) -> None:
    if not dry_run:
        write_changes(result.changes, result.root)
    files = summarize(result.changes, result.root)
    if as_json:
        emit_json(
            {
                "status": "incomplete" if problems else ("dry-run" if dry_run else "ok"),
                "path": str(result.root),
                "changed": len(files),
                "files": [{"path": f["path"], "action": f["status"]} for f in files],
                "problems": problems,
            }
        )
    elif dry_run:
        typer.echo(render_diff(result.changes, result.root.as_posix()), nl=False)
    else:
        typer.echo(
            f"synth: {result.root}: {len(files) or 'no'} files changed "
            f"({', '.join(f.value for f in result.features)})"
        )
    for problem in problems if not as_json else ():
        typer.echo(f"synth: {problem}", err=True)
    if problems:
        raise typer.Exit(code=1)


@app.command("add-feature")
def add_feature(
    service: Annotated[Path, typer.Argument(help="The service folder (holds synth.yaml).")],
    features: Annotated[str, typer.Argument(help="Features to add, comma-separated.")],
    specs: Annotated[
        Path, typer.Option("--specs", help="Specs folder (to adopt a service synth did not make).")
    ] = Path("specs"),
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
        result = add_features(service, names, specs_dir=specs)
        if result.skipped:
            lines = [
                f"{d.path}: {' '.join(d.drift.identity)}: exists in another shape; "
                f"'{d.feature}' did not replace it"
                for d in result.skipped
            ]
            raise FeatureError(
                f"{len(lines)} edit(s) skipped, nothing written: " + " | ".join(lines)
            )
        _finish(result, dry_run=dry_run, as_json=as_json, problems=[])

    guarded(run)


@app.command("remove-feature")
def remove_feature_command(
    service: Annotated[Path, typer.Argument(help="The service folder (holds synth.yaml).")],
    feature: Annotated[str, typer.Argument(help="The feature to remove.")],
    force: Annotated[
        bool, typer.Option(help="Also remove pieces the owner changed since generation.")
    ] = False,
    dry_run: DryRun = False,
    as_json: AsJson = False,
) -> None:
    """Remove a feature's pieces that are unchanged since generation; report the rest."""

    def run() -> None:
        names = parse_feature_names(feature)
        if len(names) != 1:
            raise FeatureError("name exactly one feature to remove")
        result = remove_feature(service, names[0], force=force)
        problems = [f"left {left}" for left in result.leftovers]
        _finish(result, dry_run=dry_run, as_json=as_json, problems=problems)

    guarded(run)
