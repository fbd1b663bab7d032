"""`synth check out/` passes: the committed LearnFlow platform has no finding of any class."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from synth.cli import app

ROOT = Path(__file__).resolve().parents[2]


def test_synth_check_out_finds_nothing() -> None:
    result = CliRunner().invoke(app, ["check", str(ROOT / "out")])
    assert result.exit_code == 0, result.output
