"""`synth add-feature` / `synth remove-feature` through the CLI: exit codes, JSON, dry run."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from synth.cli import app

runner = CliRunner()
SPECS = Path(__file__).resolve().parents[2] / "specs"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _service(tmp_path: Path) -> Path:
    root = tmp_path / "triage"
    result = runner.invoke(
        app, ["new", "triage", "--with", "state", "--specs", str(SPECS), "--out", str(root)]
    )
    assert result.exit_code == 0, result.output
    return root


def test_add_then_add_again_then_remove(tmp_path: Path) -> None:
    root = _service(tmp_path)
    before = _tree(root)
    added = runner.invoke(app, ["add-feature", str(root), "pubsub", "--json"])
    assert added.exit_code == 0, added.output
    report = json.loads(added.stdout)
    assert (report["ok"], report["services"][0]["conflicts"]) == (True, [])
    assert len(report["services"][0]["files"]) > 0
    assert (root / "triage/subscribers.py").is_file()
    again = runner.invoke(app, ["add-feature", str(root), "pubsub", "--json"])
    assert json.loads(again.stdout)["services"][0]["files"] == []
    removed = runner.invoke(app, ["remove-feature", str(root), "pubsub"])
    assert removed.exit_code == 0, removed.output
    assert _tree(root) == before


def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    root = _service(tmp_path)
    before = _tree(root)
    result = runner.invoke(app, ["add-feature", str(root), "pubsub", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "+++ b/" in result.stdout and "subscribers.py" in result.stdout
    assert _tree(root) == before


def test_remove_names_the_conflict_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    root = _service(tmp_path)
    state = root / "triage/state.py"
    state.write_text(state.read_text().replace('return f"session:{id}"', 'return f"s:{id}"', 1))
    before = _tree(root)
    result = runner.invoke(app, ["remove-feature", str(root), "state"])
    assert result.exit_code == 1
    assert "triage/state.py:" in result.stderr and "def:session_key" in result.stderr
    assert "nothing written" in result.stderr
    assert _tree(root) == before


def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path: Path) -> None:
    root = _service(tmp_path)
    before = _tree(root)
    for args, message in [
        (["add-feature", str(root), "kafka"], "unknown feature 'kafka'"),
        (["add-feature", str(tmp_path), "pubsub"], "not a synth service"),
        (["remove-feature", str(root), "pubsub"], "does not have 'pubsub'"),
        (["remove-feature", str(root), "health"], "part of every service"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert _tree(root) == before
