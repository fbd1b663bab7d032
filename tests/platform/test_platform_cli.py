"""The platform commands through Typer's CliRunner: output shapes, --json, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from synth.platform.png import has_png_support

Writer = Callable[[Path, object], Path]
runner = CliRunner()


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run each command in an empty folder, so the repository's own out/ is never compared."""
    monkeypatch.chdir(tmp_path)


def test_graph_prints_mermaid_by_default(cli_app: Any, specs_dir: Path) -> None:
    result = runner.invoke(cli_app, ["graph", "--specs", str(specs_dir)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("flowchart LR\n")
    assert result.stderr == ""


def test_graph_format_comes_from_out_suffix(cli_app: Any, specs_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "platform.svg"
    result = runner.invoke(
        cli_app, ["graph", "--specs", str(specs_dir), "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "ok": True,
        "drift": [],
        "format": "svg",
        "path": str(out),
        "status": "ok",
    }
    assert out.read_text().startswith("<svg ")


def test_graph_dot_to_stdout(cli_app: Any, specs_dir: Path) -> None:
    result = runner.invoke(cli_app, ["graph", "--specs", str(specs_dir), "--format", "dot"])
    assert result.exit_code == 0
    assert "svc_asker -> topic_learning__question;" in result.stdout


@pytest.mark.skipif(not has_png_support(), reason="resvg-py (the png extra) is not installed")
def test_graph_png(cli_app: Any, specs_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "platform.png"
    result = runner.invoke(cli_app, ["graph", "--specs", str(specs_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_png_without_resvg_is_one_line_exit_2(
    cli_app: Any, specs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("synth.platform.png.has_png_support", lambda: False)
    out = tmp_path / "platform.png"
    result = runner.invoke(cli_app, ["graph", "--specs", str(specs_dir), "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "synth: error: png output needs the resvg-py package: pip install 'synth[png]' "
        "(or resvg-py), or use --format svg"
    )
    assert len(result.stderr.splitlines()) == 1
    assert not out.exists()


def test_png_without_out_is_refused(cli_app: Any, specs_dir: Path) -> None:
    result = runner.invoke(cli_app, ["graph", "--specs", str(specs_dir), "--format", "png"])
    assert result.exit_code == 2
    assert result.stderr == "synth: error: png output is binary; pass --out FILE\n"


def test_graph_flags_drift_on_stderr_and_keeps_stdout_clean(
    cli_app: Any, specs_dir: Path, tmp_path: Path, write_yaml: Writer
) -> None:
    record = write_yaml(
        tmp_path / "out" / "asker" / "synth.yaml", {"spec": {"name": "asker", "port": 9000}}
    )
    args = ["graph", "--specs", str(specs_dir), "--generated", str(tmp_path / "out")]
    result = runner.invoke(cli_app, args)
    assert result.exit_code == 0
    assert result.stdout.startswith("flowchart LR\n") and "warning" not in result.stdout
    assert result.stderr == (
        f"synth: warning: {record}: differs from {specs_dir}/asker.yaml: port, publishes, "
        "subscribes\n"
    )


@pytest.mark.parametrize("command", ["graph", "asyncapi", "lint-platform"])
def test_missing_specs_folder_is_one_line_exit_2_nothing_written(
    cli_app: Any, tmp_path: Path, command: str
) -> None:
    out = tmp_path / "result.txt"
    args = [command, "--specs", str(tmp_path / "nope")]
    if command != "lint-platform":
        args += ["--out", str(out)]
    result = runner.invoke(cli_app, args)
    assert result.exit_code == 2
    assert result.stderr == (
        f"synth: error: {tmp_path / 'nope'}: no such specs folder; pass --specs DIR\n"
    )
    assert not out.exists()


@pytest.mark.parametrize("command", ["graph", "asyncapi"])
def test_json_needs_out(cli_app: Any, specs_dir: Path, command: str) -> None:
    result = runner.invoke(cli_app, [command, "--specs", str(specs_dir), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["ok"] is False
    assert "--json needs --out FILE" in result.stderr


def test_lint_clean_exits_0(cli_app: Any, specs_dir: Path) -> None:
    result = runner.invoke(cli_app, ["lint-platform", "--specs", str(specs_dir)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "synth: 0 findings in 2 specs\n"


def test_lint_findings_exit_1_one_line_each(
    cli_app: Any, tmp_path: Path, two_service_data: list[dict[str, Any]], write_yaml: Writer
) -> None:
    two_service_data[0]["invokes"] = [{"app_id": "grader"}]
    for data in two_service_data:
        write_yaml(tmp_path / "specs" / f"{data['name']}.yaml", data)
    specs = tmp_path / "specs"
    result = runner.invoke(cli_app, ["lint-platform", "--specs", str(specs)])
    assert result.exit_code == 1
    line = (
        f"{specs}/asker.yaml: invokes grader: no spec has that name; add its spec or fix the app id"
    )
    assert result.stdout == line + "\n"
    as_json = runner.invoke(cli_app, ["lint-platform", "--specs", str(specs), "--json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == {
        "ok": True,
        "findings": [line],
        "path": str(specs),
        "status": "findings",
    }


def test_lint_of_the_learnflow_specs(cli_app: Any, real_specs: Path) -> None:
    result = runner.invoke(cli_app, ["lint-platform", "--specs", str(real_specs), "--json"])
    report = json.loads(result.stdout)
    assert result.exit_code == (1 if report["findings"] else 0)
    assert all("struggle.alert" in line for line in report["findings"])


@pytest.mark.parametrize(("name", "first"), [("events.yaml", "asyncapi: 3.0.0"), ("e.json", "{")])
def test_asyncapi_format_from_out_suffix(
    cli_app: Any, specs_dir: Path, tmp_path: Path, name: str, first: str
) -> None:
    out = tmp_path / name
    result = runner.invoke(
        cli_app, ["asyncapi", "--specs", str(specs_dir), "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["path"] == str(out)
    assert out.read_text().startswith(first)


def test_asyncapi_to_stdout_is_json(cli_app: Any, specs_dir: Path) -> None:
    result = runner.invoke(cli_app, ["asyncapi", "--specs", str(specs_dir)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["asyncapi"] == "3.0.0"
