"""Benchmark (not a test): whole-process median times of synth's commands, beside the floor.

Prints the median of N runs of:
  - `python -c "import libcst, black"`       (the import floor every synth run pays)
  - `synth new debug --with <every feature>` (one service)
  - `synth new --all`                        (the six LearnFlow services in one call)
  - `synth add-feature <service> pubsub`     (on a generated debug service with state)
each twice: cold (empty black cache, `SYNTH_NO_CACHE=1`) and warm (the on-disk black cache
filled by a previous run of the same command).

Run: python benchmarks/bench_new.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYNTH = [sys.executable, "-m", "synth"]


def _median(
    command: Callable[[Path], list[str]], runs: int, env: dict[str, str], prepare: bool = False
) -> float:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            work = Path(scratch)
            if prepare:
                subprocess.run(
                    [*SYNTH, "new", "debug", "--with", "state", "--out", str(work / "debug")],
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                    env=env,
                )
            started = time.perf_counter()
            subprocess.run(command(work), cwd=ROOT, check=True, capture_output=True, env=env)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from synth.features.registry import available_features

    every = ",".join(sorted(n.value for n, f in available_features().items() if not f.always))
    cache = Path(tempfile.mkdtemp(prefix="synth-bench-cache-"))
    cold = {**os.environ, "SYNTH_NO_CACHE": "1"}
    warm = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    cases: list[tuple[str, Callable[[Path], list[str]], bool]] = [
        ("import libcst, black", lambda _: [sys.executable, "-c", "import libcst, black"], False),
        (
            f"new debug --with {every}",
            lambda w: [*SYNTH, "new", "debug", "--with", every, "--out", str(w / "o")],
            False,
        ),
        (
            "new --all (6 services)",
            lambda w: [*SYNTH, "new", "--all", "--out", str(w / "o")],
            False,
        ),
        (
            "add-feature debug pubsub",
            lambda w: [*SYNTH, "add-feature", str(w / "debug"), "pubsub"],
            True,
        ),
    ]
    print(f"median of {args.runs} whole-process runs, seconds")
    print(f"{'command':<48} {'cold':>7} {'warm':>7}")
    try:
        for label, command, prepare in cases:
            cold_s = _median(command, args.runs, cold, prepare)
            _median(command, 1, warm, prepare)  # fill the cache
            warm_s = _median(command, args.runs, warm, prepare)
            print(f"{label:<48} {cold_s:7.2f} {warm_s:7.2f}")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
