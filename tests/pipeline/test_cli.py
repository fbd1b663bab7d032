"""The CLI: exit codes, one-line errors, and nothing written on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synth.cli import app

runner = CliRunner()


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_new_adhoc_service_writes_a_project_and_reports_json(tmp_path: Path) -> None:
    target = tmp_path / "orders"
    (tmp_path / "none").mkdir()
    result = runner.invoke(
        app,
        [
            "new",
            "orders",
            "--with",
            "state",
            "--state-key",
            "order:{id}",
            "--out",
            str(target),
            "--specs",
            str(tmp_path / "none"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["ok"], report["status"], report["path"]) == (True, "ok", str(target))
    assert sorted(f["path"] for f in report["files"]) == [
        str(target / path) for path in _files(target)
    ]
    assert {f["action"] for f in report["files"]} == {"created"}
    assert "orders/state.py" in _files(target)
    assert "async def get_order(" in (target / "orders/state.py").read_text()


def test_new_from_a_spec_uses_its_features(tmp_path: Path, specs_dir: Path) -> None:
    target = tmp_path / "triage"
    result = runner.invoke(app, ["new", "triage", "--specs", str(specs_dir), "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "triage/state.py").is_file()
    assert "session_key" in (target / "triage/state.py").read_text()


def test_dry_run_prints_a_diff_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "orders"
    result = runner.invoke(app, ["new", "orders", "--out", str(target), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "+++ b/" in result.stdout and "orders/main.py" in result.stdout
    assert not target.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "orders", "--with", "kafka"], "unknown feature 'kafka'; choose from:"),
        (["new", "Orders!"], "invalid service 'Orders!'"),
        (["new", "json"], "would shadow a Python module"),
        (["new", "orders", "--state-key", "a||b"], "cannot contain '||'"),
        (["new", "orders", "--state-key", "a:{1x}"], "is not a valid identifier"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "svc")])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "svc").exists()


def test_malformed_spec_names_file_and_field(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "orders.yaml").write_text("name: orders\nport: 80\n")
    result = runner.invoke(
        app, ["new", "orders", "--specs", str(specs), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert f"{specs / 'orders.yaml'}: field `port`" in result.stderr
    assert not (tmp_path / "o").exists()


def test_a_folder_synth_did_not_make_is_refused_even_with_force(tmp_path: Path) -> None:
    target = tmp_path / "orders"
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    for extra in ([], ["--force"]):
        result = runner.invoke(app, ["new", "orders", "--out", str(target), *extra])
        assert result.exit_code == 2
        assert "is not a synth service" in result.stderr
        assert _files(target) == ["mine.txt"]


def test_list_names_specs_and_features(specs_dir: Path) -> None:
    result = runner.invoke(app, ["list", "--specs", str(specs_dir), "--json"])
    assert result.exit_code == 0
    listing = json.loads(result.stdout)
    assert listing["specs"] == [
        "code-review",
        "concepts",
        "debug",
        "exercise",
        "progress",
        "triage",
    ]
    assert {"app", "health", "state"} <= set(listing["features"])
