"""synth holds itself to the bars it sets for generated code: ruff, black, mypy --strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from synth.quality.linting import ruff_binary

ROOT = Path(__file__).resolve().parent.parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_is_clean_on_synth_and_its_tests() -> None:
    result = _run(ruff_binary(), "check", "--no-cache", "synth", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout[-3000:]


def test_black_leaves_synth_and_its_tests_unchanged() -> None:
    result = _run(sys.executable, "-m", "black", "--check", "-q", "synth", "tests", "benchmarks")
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.slow
def test_mypy_strict_passes_on_synth(tmp_path: Path) -> None:
    result = _run(sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), "synth")
    assert result.returncode == 0, result.stdout[-3000:]
