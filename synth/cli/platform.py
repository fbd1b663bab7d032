"""The platform commands: `synth graph`, `synth lint-platform`, `synth asyncapi`.

Each reads every spec in `--specs` (default `specs/`). With `--json` a command prints one JSON
object of paths and status only; `graph` and `asyncapi` then need `--out`, since the JSON names
the file written. Bad input is one line on stderr, exit 2, nothing written.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from synth.cli.shell import app, emit_json, guarded
from synth.errors import SynthError, TargetError
from synth.platform.asyncapi import build_asyncapi, render_asyncapi_json, render_asyncapi_yaml
from synth.platform.drift import find_drift
from synth.platform.graph import GraphFormat, find_graph_format, render_graph
from synth.platform.lint import find_platform_findings
from synth.platform.sources import load_spec_sources
from synth.platform.topology import build_topology
from synth.workspace.artifact import write_artifact

__all__ = ["asyncapi_command", "graph_command", "lint_platform_command"]

SpecsOption = Annotated[Path, typer.Option("--specs", help="Folder of service specs (*.yaml).")]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print only {status, path, ...} as one JSON object.")
]


class DocumentFormat(StrEnum):
    """How `synth asyncapi` writes the document."""

    JSON = "json"
    YAML = "yaml"


@app.command("graph")
def graph_command(
    graph_format: Annotated[
        GraphFormat | None,
        typer.Option(
            "--format",
            help="mermaid, dot, svg or png (needs resvg-py). Default: from --out, else mermaid.",
        ),
    ] = None,
    specs: SpecsOption = Path("specs"),
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
    ] = None,
    generated: Annotated[
        Path,
        typer.Option(
            "--generated",
            help="Folder of generated services whose synth.yaml is compared with the specs.",
        ),
    ] = Path("out"),
    json_output: JsonOption = False,
) -> None:
    """Draw the platform: services, the topics between them, invocations, state stores."""

    def run() -> None:
        if generated.exists() and not generated.is_dir():
            raise TargetError(f"{generated} is a file; --generated takes the folder of services")
        chosen = graph_format or _graph_format_for(out)
        _require_out(out, json_output, binary=chosen.is_binary, what=f"{chosen} output")
        sources = load_spec_sources(specs)
        data = render_graph(build_topology(s.spec for s in sources), chosen)
        drift = [str(d) for d in find_drift(sources, generated)]
        for line in drift:
            typer.echo(f"synth: warning: {line}", err=True)
        if out is None:
            typer.echo(data.decode(), nl=False)
            return
        write_artifact(out, data)
        if json_output:
            emit_json({"status": "ok", "path": str(out), "format": str(chosen), "drift": drift})
        else:
            typer.echo(f"wrote {out}", err=True)

    guarded(run)


@app.command("lint-platform")
def lint_platform_command(
    specs: SpecsOption = Path("specs"), json_output: JsonOption = False
) -> None:
    """Check the specs against each other: topics matched, named, same payload; invokes known."""

    def run() -> None:
        sources = load_spec_sources(specs)
        findings = [str(f) for f in find_platform_findings(sources)]
        if json_output:
            status = "findings" if findings else "ok"
            emit_json({"status": status, "path": str(specs), "findings": findings})
        else:
            for line in findings:
                typer.echo(line)
            count = f"{len(findings)} finding" + ("" if len(findings) == 1 else "s")
            typer.echo(f"synth: {count} in {len(sources)} specs", err=True)
        if findings:
            raise typer.Exit(code=1)

    guarded(run)


@app.command("asyncapi")
def asyncapi_command(
    specs: SpecsOption = Path("specs"),
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
    ] = None,
    document_format: Annotated[
        DocumentFormat | None,
        typer.Option("--format", help="json or yaml. Default: from --out (.yaml/.yml), else json."),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Write the AsyncAPI 3.0 document of the platform's events."""

    def run() -> None:
        _require_out(out, json_output, binary=False, what="the AsyncAPI document")
        chosen = document_format or _document_format_for(out)
        document = build_asyncapi(s.spec for s in load_spec_sources(specs))
        render = render_asyncapi_yaml if chosen is DocumentFormat.YAML else render_asyncapi_json
        text = render(document)
        if out is None:
            typer.echo(text, nl=False)
            return
        write_artifact(out, text.encode())
        if json_output:
            emit_json({"status": "ok", "path": str(out), "format": str(chosen)})
        else:
            typer.echo(f"wrote {out}", err=True)

    guarded(run)


def _require_out(out: Path | None, json_output: bool, *, binary: bool, what: str) -> None:
    if out is not None:
        return
    if json_output:
        raise SynthError(
            "--json needs --out FILE (the JSON names the file written); add --out FILE"
        )
    if binary:
        raise TargetError(f"{what} is binary; pass --out FILE")


def _graph_format_for(out: Path | None) -> GraphFormat:
    found = find_graph_format(out) if out is not None else None
    return found or GraphFormat.MERMAID


def _document_format_for(out: Path | None) -> DocumentFormat:
    if out is not None and out.suffix.lower() in {".yaml", ".yml"}:
        return DocumentFormat.YAML
    return DocumentFormat.JSON
