"""The deploy commands: `synth check [PATH]` and `synth create-topic NAME`.

`check` validates one generated service folder, or every service under a folder (plus its
`dapr.yaml`): one line per finding, exit 1 when there are findings, 0 when clean, 2 on unusable
input; `kubectl kustomize` builds each overlay when kubectl is on PATH (a note says so when it
is not) and `--mypy` type-checks each package. `create-topic` writes a Strimzi KafkaTopic to
`<out>/k8s/topics/<name>.yaml` and lists it in `k8s/topics/kustomization.yaml`; it refuses to
overwrite an existing topic, and `--dry-run` prints the diff instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synth.checks import check_path
from synth.checks.kustomize import KUBECTL_MISSING, kubectl_missing
from synth.cli.shell import app, emit_json, guarded
from synth.errors import TargetError
from synth.manifests import build_kafka_topic, parse_yaml, render_yaml, topic_resource_name
from synth.manifests.platform import TOPICS, build_topics_kustomization
from synth.workspace import ChangeSet, FileChange, Workspace, render_diff, write_changes

__all__ = ["check_command", "create_topic_command", "plan_topic"]

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
    mypy: Annotated[
        bool, typer.Option("--mypy", help="Also type-check each service's package with mypy.")
    ] = False,
) -> None:
    """Validate generated services: manifests, Dapr components, Dockerfile and Python code."""
    findings = []

    def run() -> None:
        findings.extend(check_path(path, mypy=mypy))

    guarded(run)
    if kubectl_missing():
        typer.echo(f"note: {KUBECTL_MISSING}", err=True)
    if as_json:
        status = "findings" if findings else "ok"
        emit_json({"status": status, "findings": [f.to_json() for f in findings]})
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
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the unified diff; write nothing.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object: {status, path}.")
    ] = False,
) -> None:
    """Write a Strimzi KafkaTopic for a LearnFlow topic and list it in k8s/topics/."""
    staged: list[ChangeSet] = []

    def run() -> None:
        staged.append(plan_topic(name, partitions, replicas, out))

    guarded(run)
    changes = staged[0]
    written = out / TOPICS / f"{topic_resource_name(name)}.yaml"
    if dry_run:
        typer.echo(render_diff(changes, out.as_posix()), nl=False)
        return
    write_changes(changes, out)
    if as_json:
        emit_json({"status": "ok", "path": written.as_posix()})
    else:
        typer.echo(f"wrote {written.as_posix()}")


def plan_topic(name: str, partitions: int, replicas: int, out: Path) -> ChangeSet:
    """The topic file and the topics kustomization listing it (raises on an existing topic)."""
    doc = build_kafka_topic(name, partitions, replicas)
    file_name = f"{doc['metadata']['name']}.yaml"
    relative = f"{TOPICS}/{file_name}"
    workspace = Workspace(root=out)
    if workspace.original(relative) is not None:
        raise TargetError(
            f"{out / relative}: the topic exists; edit that file (partitions can only grow), "
            "or delete it first"
        )
    index = f"{TOPICS}/kustomization.yaml"
    before = workspace.original(index)
    kustomization = (
        parse_yaml(before, index)[0] if before is not None else build_topics_kustomization([])
    )
    resources = kustomization.setdefault("resources", [])
    if file_name not in resources:
        resources.append(file_name)
    return ChangeSet(
        (
            FileChange(relative, None, render_yaml([doc])),
            FileChange(index, before, render_yaml([kustomization])),
        )
    )
