"""`out/` is exactly what synth generates today from `specs/` (byte for byte, file for file)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from synth.cli import app


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts
    }


def test_out_matches_a_fresh_generation(tmp_path: Path, repo_root: Path) -> None:
    fresh = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["new", "--all", "--specs", str(repo_root / "specs"), "--out", str(fresh)]
    )
    assert result.exit_code == 0, result.output
    committed, generated = _tree(repo_root / "out"), _tree(fresh)
    assert sorted(committed) == sorted(generated), "regenerate with: synth new --all"
    stale = [path for path in committed if committed[path] != generated[path]]
    assert stale == [], "regenerate with: synth new --all"
