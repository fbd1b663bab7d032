"""Benchmark (not a test): `synth add-feature` CPU time, beside a peer synth in the same loop.

For each run, a fresh `debug` service with `state` is generated, then `add-feature ... pubsub`
runs on it as a whole process with an empty cache (`XDG_CACHE_HOME` pointing at an empty
folder): the CPU seconds (user + sys of the process and its children) are measured. With
`--peer DIR` (a checkout of synth at another revision, e.g. `git worktree add /tmp/old
<rev>`), the peer's add-feature runs interleaved in the same loop and the ratio is printed.
Also prints, for this synth, how many compositions, black calls and ruff processes one
add-feature makes (counted in process).

Run: python benchmarks/bench_grow.py [--runs 5] [--peer DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu_of(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def _one(tree: Path, work: Path) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(tree), "XDG_CACHE_HOME": str(work / "cache")}
    synth = [sys.executable, "-m", "synth"]
    service = work / "debug"
    subprocess.run(
        [*synth, "new", "debug", "--with", "state", "--out", str(service)],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
    )
    (work / "cache").mkdir(exist_ok=True)
    env["XDG_CACHE_HOME"] = tempfile.mkdtemp(dir=work)
    return _cpu_of([*synth, "add-feature", str(service), "pubsub"], tree, env)


def _counts() -> dict[str, int]:
    """Compositions, black calls and ruff processes of one in-process add-feature."""
    sys.path.insert(0, str(ROOT))
    import synth.api as api
    import synth.grow as grow
    import synth.quality.formatting as formatting
    from synth.spec import FeatureName, load_spec
    from synth.workspace import write_changes

    counts = {"compositions": 0, "black calls": 0, "ruff processes": 0}
    compose, black_format, run = api.compose_service, formatting.black.format_str, subprocess.run

    def counting_compose(*args: object, **kwargs: object) -> object:
        counts["compositions"] += 1
        return compose(*args, **kwargs)  # type: ignore[arg-type]

    def counting_black(*args: object, **kwargs: object) -> object:
        counts["black calls"] += 1
        return black_format(*args, **kwargs)  # type: ignore[arg-type]

    def counting_run(command: list[str], *args: object, **kwargs: object) -> object:
        if command and "ruff" in Path(str(command[0])).name:
            counts["ruff processes"] += 1
        return run(command, *args, **kwargs)  # type: ignore[call-overload]

    with tempfile.TemporaryDirectory() as scratch:
        os.environ["XDG_CACHE_HOME"] = scratch
        service = Path(scratch) / "debug"
        spec = load_spec(ROOT / "specs" / "debug.yaml")
        plan = api.new_service(spec, [FeatureName.STATE], service)
        write_changes(plan.changes, service, replace_root=True)
        api.compose_service = counting_compose  # type: ignore[assignment]
        grow.compose_service = counting_compose  # type: ignore[assignment]
        formatting.black.format_str = counting_black  # type: ignore[assignment]
        subprocess.run = counting_run  # type: ignore[assignment]
        try:
            grow.add_features(service, [FeatureName.PUBSUB])
        finally:
            subprocess.run = run
            formatting.black.format_str = black_format
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peer", type=Path, default=None, help="another synth checkout")
    args = parser.parse_args()
    mine: list[tuple[float, float]] = []
    peer: list[tuple[float, float]] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as scratch:
            mine.append(_one(ROOT, Path(scratch)))
        if args.peer is not None:
            with tempfile.TemporaryDirectory() as scratch:
                peer.append(_one(args.peer.resolve(), Path(scratch)))
    print(f"add-feature debug(+state) pubsub, median of {args.runs}, empty cache")
    print(f"{'synth':<40} {'cpu s':>8} {'wall s':>8}")
    cpu, wall = statistics.median(c for c, _ in mine), statistics.median(w for _, w in mine)
    print(f"{'this checkout':<40} {cpu:8.2f} {wall:8.2f}")
    if peer:
        peer_cpu = statistics.median(c for c, _ in peer)
        peer_wall = statistics.median(w for _, w in peer)
        print(f"{'peer ' + str(args.peer):<40} {peer_cpu:8.2f} {peer_wall:8.2f}")
        print(f"ratio this/peer (cpu): {cpu / peer_cpu:.2f}")
    for name, count in _counts().items():
        print(f"{name} per add-feature: {count}")


if __name__ == "__main__":
    main()
