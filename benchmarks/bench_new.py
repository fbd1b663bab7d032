"""Benchmark (not a test): whole-process median time of `synth new`, beside the import floor.

Prints the median of N runs of:
  - `python -c "import libcst, black"`      (the floor every synth run pays)
  - `synth new debug --with <every feature>` (one service)
  - `synth new --all`                       (the six LearnFlow services in one call)

Run: python benchmarks/bench_new.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            started = time.perf_counter()
            subprocess.run(
                [*command, *(["--out", str(Path(scratch) / "o")] if "new" in command else [])],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from synth.features.registry import available_features

    every = ",".join(sorted(n.value for n, f in available_features().items() if not f.always))
    synth = [sys.executable, "-m", "synth"]
    floor = _median_seconds([sys.executable, "-c", "import libcst, black"], args.runs)
    one = _median_seconds([*synth, "new", "debug", "--with", every], args.runs)
    six = _median_seconds([*synth, "new", "--all"], args.runs)
    print(f"runs per figure: {args.runs} (median, whole process)")
    print(f"import libcst, black     {floor * 1000:8.0f} ms")
    print(
        f"synth new debug --with {every or '-'}  {one * 1000:8.0f} ms  ({one / floor:.2f}x floor)"
    )
    print(f"synth new --all (6)      {six * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
