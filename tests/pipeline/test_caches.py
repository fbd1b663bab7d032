"""Caches never change what synth writes.

synth keeps black's results on disk (`$XDG_CACHE_HOME/synth`), and per process it keeps the
runtime modules it has read, the templates it has parsed and the code of verbatim statements,
which `new --all` shares with the workers it forks after composing its first service. Each of
these is only allowed to save time. So the six LearnFlow services are generated with no disk
cache, with an empty one (filling it) and with that one full, and one service is generated
alone in a fresh process beside the same service generated among the six; all must be the same
bytes and modes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generate(args: list[str], out: Path, env: dict[str, str]) -> dict[str, tuple[bytes, int]]:
    subprocess.run(
        [sys.executable, "-m", "synth", "new", *args, "--out", str(out)],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    return {
        path.relative_to(out).as_posix(): (path.read_bytes(), path.stat().st_mode)
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }


def test_output_is_the_same_with_no_cold_and_warm_caches(tmp_path: Path) -> None:
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    uncached = _generate(["--all"], tmp_path / "none", {"SYNTH_NO_CACHE": "1"})
    cold = _generate(["--all"], tmp_path / "cold", cache)
    assert any((tmp_path / "cache" / "synth").rglob("*")), "the cold run stored nothing"
    warm = _generate(["--all"], tmp_path / "warm", cache)
    assert len(uncached) > 100
    assert cold == uncached
    assert warm == uncached


def test_a_service_made_alone_is_the_one_made_among_the_others(tmp_path: Path) -> None:
    env = {"SYNTH_NO_CACHE": "1"}
    among = _generate(["--all"], tmp_path / "all", env)
    alone = _generate(["debug"], tmp_path / "debug", env)
    prefix = "debug/"
    from_all = {k[len(prefix) :]: v for k, v in among.items() if k.startswith(prefix)}
    assert len(alone) > 20
    assert alone == from_all
