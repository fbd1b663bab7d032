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
import shutil
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
    warm = _generate(["--all"], tmp_path / "warm", cache)
    assert len(uncached) > 100
    assert cold == uncached
    assert warm == uncached


def _files(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), path.stat().st_mode)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _grown(service: Path, env: dict[str, str]) -> dict[str, tuple[bytes, int]]:
    """`add-feature pubsub` on a copy of `service` (it formats what is on disk with black)."""
    subprocess.run(
        [sys.executable, "-m", "synth", "add-feature", str(service), "pubsub"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    return _files(service)


def test_a_grown_service_is_the_same_with_no_cold_and_warm_black_caches(tmp_path: Path) -> None:
    """`new` hands black nothing for these specs; a merge into a module the owner edited
    still does (the merged text is black-formatted), so that fills black's disk cache here."""
    _generate(["debug", "--with", "state"], tmp_path / "base", {"SYNTH_NO_CACHE": "1"})
    copies = {name: tmp_path / name for name in ("none", "cold", "warm")}
    for copy in copies.values():
        shutil.copytree(tmp_path / "base", copy)
        main = copy / "debug" / "main.py"
        main.write_text(main.read_text() + "\n\ndef owner_helper() -> int:\n    return 1\n")
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    uncached = _grown(copies["none"], {"SYNTH_NO_CACHE": "1"})
    cold = _grown(copies["cold"], cache)
    assert any((tmp_path / "cache" / "synth").rglob("*")), "the cold run stored nothing"
    warm = _grown(copies["warm"], cache)
    assert len(uncached) > 20
    assert cold == uncached
    assert warm == uncached
    grown_main = uncached["debug/main.py"][0].decode()
    assert grown_main.endswith("def owner_helper() -> int:\n    return 1\n")  # the owner's code
    assert "app.include_router(subscriptions_router)" in grown_main  # synth's, beside it


def test_a_service_made_alone_is_the_one_made_among_the_others(tmp_path: Path) -> None:
    env = {"SYNTH_NO_CACHE": "1"}
    among = _generate(["--all"], tmp_path / "all", env)
    alone = _generate(["debug"], tmp_path / "debug", env)
    prefix = "debug/"
    from_all = {k[len(prefix) :]: v for k, v in among.items() if k.startswith(prefix)}
    assert len(alone) > 20
    assert alone == from_all
