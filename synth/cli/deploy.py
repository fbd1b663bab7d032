"""The deploy commands: `synth check [PATH]` and `synth create-topic NAME`.

`check` validates one generated service folder, or every service under a folder (plus its
`dapr.yaml`): one line per finding, exit 1 when there are findings, 0 when clean, 2 on unusable
input. `create-topic` writes a Strimzi KafkaTopic to `<out>/k8s/topics/<name>.yaml`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synth.checks import check_path
from synth.cli.shell import app, emit_json, guarded
from synth.errors import TargetError
from synth.manifests import build_kafka_topic, render_yaml
from synth.workspace import ChangeSet, FileChange, Workspace, write_changes

__all__ = ["check_command", "create_topic_command"]

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object: {status, findings}.")
]


@app.command("check")
def check_command(
    path: Annotated[
        Path,
        typer.Argument(help="A generated service folder, or a folder holding services."),
    ] = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Validate generated services: manifests, Dapr components, Dockerfile and Python code."""
    findings = []

    def run() -> None:
        if path.is_file():
            raise TargetError(
                f"{path} is a file; check takes a service folder (one with synth.yaml) or a "
                "folder holding services, e.g. `synth check out`"
            )
        findings.extend(check_path(path))

    guarded(run)
    if as_json:
        status = "findings" if findings else "ok"
        emit_json(
            {"status": status, "path": str(path), "findings": [f.to_json() for f in findings]}
        )
    else:
        for finding in findings:
            typer.echo(str(finding))
        if not findings:
            typer.echo(f"{path}: no findings")
    if findings:
        raise typer.Exit(code=1)


@app.command("create-topic")
def create_topic_command(
    name: Annotated[str, typer.Argument(help="LearnFlow topic, e.g. learning.concept-request.")],
    partitions: Annotated[int, typer.Option("--partitions", min=1, help="Partition count.")],
    replicas: Annotated[int, typer.Option("--replicas", min=1, help="Replication factor.")],
    out: Annotated[
        Path, typer.Option("--out", help="Platform folder; the file goes in k8s/topics/.")
    ] = Path("out"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object: {status, path}.")
    ] = False,
) -> None:
    """Write a Strimzi KafkaTopic for a LearnFlow topic."""

    def run() -> None:
        doc = build_kafka_topic(name, partitions, replicas)
        relative = f"k8s/topics/{doc['metadata']['name']}.yaml"
        for folder in (out, *out.parents):
            if folder.exists() and not folder.is_dir():
                raise TargetError(f"{folder} is a file; --out takes the platform folder, e.g. out")
        before = Workspace(root=out).original(relative)
        change = FileChange(relative, before, render_yaml([doc]))
        write_changes(ChangeSet((change,)), out)
        written = (out / relative).as_posix()
        if as_json:
            emit_json(
                {
                    "status": "ok",
                    "path": written,
                    "files": [{"path": written, "action": str(change.status)}],
                }
            )
        else:
            typer.echo(f"wrote {written}")

    guarded(run)
