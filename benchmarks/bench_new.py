"""Benchmark (not a test): synth's commands beside cookiecutter rendering a FastAPI template.

The steering measure of issue 13: CPU seconds (user + sys of the whole process and its
children, from `getrusage(RUSAGE_CHILDREN)`), median of N runs, each run interleaving

  - the peer: `cookiecutter --no-input --accept-hooks no` rendering the s3rius FastAPI template
    (PyPI `fastapi_template`, its REST + PostgreSQL/SQLAlchemy + Redis + Kafka + migrations
    choices; the context is made once by that package's own CLI code, outside the loop);
  - `synth new debug --with state,pubsub,invoke,agent` (one service);
  - `synth new --all` (the six LearnFlow services);
  - `synth add-feature <debug with state> pubsub` (the service made outside the timing);
  - the import floor: a process that only imports libcst, pydantic, ruamel.yaml, typer, black;
  - the tools floors: what the fixed tools alone cost for the one-service command and for
    `new --all`: a process that imports them, black-formats exactly the text synth hands black
    for that command (recorded once, outside the loop) and runs ruff once over the Python files
    it made. No synth code runs in it, so it bounds from below what a synth built on these tools
    and handing black this much text can reach (the floors, like synth's one-shot commands, run
    without the cycle collector and end without the interpreter's teardown, `os._exit`);

every synth run with an empty cache (`XDG_CACHE_HOME` a fresh empty folder), which is what a
user making a new service meets. synth's own modules are byte-compiled first, as `pip install`
does for an installed package (cookiecutter's were when pip installed it; an editable checkout
under PYTHONDONTWRITEBYTECODE has none). Prints the medians and each command as a ratio of the
peer's median, beside the issue's targets.

Run: pip install -e '.[bench]' && pip install --no-deps fastapi_template
     python benchmarks/bench_new.py [--runs 7]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYNTH = [sys.executable, "-m", "synth"]
_CONTEXT = """
import json, shutil, sys
shutil.which = lambda program: "/usr/bin/" + program  # its CLI insists on uv and git
from fastapi_template.cli import run_command
sys.argv = ["fastapi_template", "--quiet", "--name", "bench", "--api-type", "rest",
            "--db", "postgresql", "--orm", "sqlalchemy", "--ci", "github", "--redis",
            "--kafka", "--migrations", "--routers", "--dummy", "--prometheus"]
run_command(lambda context: print(json.dumps(context.dict())))
"""


def _cpu(command: list[str], env: dict[str, str], cwd: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _peer(scratch: Path) -> Callable[[Path], list[str]]:
    """The cookiecutter command line, with a config file holding the template's context."""
    try:
        import fastapi_template
    except ImportError:
        sys.exit(
            "bench_new: needs the peer: pip install cookiecutter && pip install --no-deps "
            "fastapi_template"
        )
    template = Path(fastapi_template.__file__).parent / "template"
    made = subprocess.run(
        [sys.executable, "-c", _CONTEXT], capture_output=True, text=True, check=True
    )
    context = json.loads(made.stdout.strip().splitlines()[-1])
    config = scratch / "cookiecutter.json"
    config.write_text(
        json.dumps(
            {
                "default_context": context,
                "cookiecutters_dir": str(scratch / "cc-dir"),
                "replay_dir": str(scratch / "cc-replay"),
            }
        )
    )
    binary = shutil.which("cookiecutter") or "cookiecutter"
    return lambda out: [
        binary,
        "--no-input",
        "--accept-hooks",
        "no",
        "--config-file",
        str(config),
        str(template),
        "-o",
        str(out),
    ]


def _specs(scratch: Path) -> Path:
    """specs/ plus an invoke target for debug (the one-service command has every feature)."""
    folder = scratch / "specs"
    shutil.copytree(ROOT / "specs", folder)
    debug = folder / "debug.yaml"
    debug.write_text(
        debug.read_text() + "invokes:\n  - app_id: progress\n    methods: [progress]\n"
    )
    return folder


_RECORD = """
import json, os, sys
os.cpu_count = lambda: 1  # new --all composes in this process, so every piece is seen here
import synth.quality.formatting as formatting
seen = []
real = formatting.format_source
def recording(source, path="<generated>"):
    seen.append(source)
    return real(source, path)
formatting.format_source = recording
import synth.api
synth.api.format_source = recording
import synth.cli
synth.cli._hard_exit = sys.exit  # the record is written after the command ends
from synth.cli import main
target = sys.argv[1]
sys.argv = ["synth", *sys.argv[2:]]
try:
    main()
except SystemExit:
    pass
with open(target, "w") as handle:
    json.dump(seen, handle)
"""

_TOOLS = """
import gc, json, os, subprocess, sys
gc.disable()  # as synth's one-shot commands run (and end: os._exit, no teardown)
import libcst, pydantic, ruamel.yaml, typer, tomlkit, black
from black.mode import Mode, TargetVersion
from ruff.__main__ import find_ruff_bin
mode = Mode(target_versions={TargetVersion.PY311}, line_length=100)
for chunk in json.load(open(sys.argv[1])):
    black.format_str(chunk, mode=mode)
subprocess.run([str(find_ruff_bin()), "check", "--no-cache", "--quiet", sys.argv[2]], check=False)
os._exit(0)
"""


def _tools_floor(scratch: Path, one: list[str], tag: str) -> Callable[[Path], list[str]]:
    """The tools-floor command: the text black gets for a synth command, recorded by running
    it once with `format_source` spied on, and what it made then, for ruff."""
    chunks = scratch / f"black-input-{tag}.json"
    service = scratch / f"tools-floor-{tag}"
    env = {**os.environ, "XDG_CACHE_HOME": str(scratch / "record-cache")}
    command = [sys.executable, "-c", _RECORD, str(chunks), *one, "--out", str(service)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env=env)
    return lambda _: [sys.executable, "-c", _TOOLS, str(chunks), str(service)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="synth-bench-"))
    try:
        peer = _peer(scratch)
        specs = _specs(scratch)
        one = ["new", "debug", "--with", "state,pubsub,invoke,agent", "--specs", str(specs)]
        compileall.compile_dir(ROOT / "synth", quiet=1)
        cases: dict[str, Callable[[Path], list[str]]] = {
            "cookiecutter fastapi_template": peer,
            "floor: import what synth needs": lambda _: [
                sys.executable,
                "-c",
                "import gc, os; gc.disable(); import libcst, pydantic, ruamel.yaml, typer, black; "
                "os._exit(0)",
            ],
            "floor: the tools' own work (1 svc)": _tools_floor(scratch, one, "one"),
            "floor: the tools' own work (--all)": _tools_floor(
                scratch, ["new", "--all", "--specs", str(specs)], "all"
            ),
            "synth new debug (4 features)": lambda w: [*SYNTH, *one, "--out", str(w / "o")],
            "synth new --all (6 services)": lambda w: [
                *SYNTH,
                "new",
                "--all",
                "--specs",
                str(specs),
                "--out",
                str(w / "o"),
            ],
            "synth add-feature debug pubsub": lambda w: [
                *SYNTH,
                "add-feature",
                str(w / "debug"),
                "pubsub",
            ],
        }
        times: dict[str, list[float]] = {label: [] for label in cases}
        for run in range(args.runs):
            for label, command in cases.items():
                work = Path(tempfile.mkdtemp(dir=scratch))
                cache = work / "cache"
                cache.mkdir()
                env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
                if "add-feature" in label:
                    subprocess.run(
                        [*SYNTH, "new", "debug", "--with", "state", "--out", str(work / "debug")],
                        cwd=ROOT,
                        check=True,
                        capture_output=True,
                        env=env,
                    )
                    shutil.rmtree(cache)
                    cache.mkdir()
                times[label].append(_cpu(command(work), env, ROOT))
                shutil.rmtree(work)
            print(f"run {run + 1}/{args.runs} done", file=sys.stderr)
        peer_median = statistics.median(times["cookiecutter fastapi_template"])
        targets = {"new debug": 0.8, "new --all": 3.0, "add-feature": 0.8, "floor": 0.0}
        print(f"CPU seconds (user+sys, children included), median of {args.runs} interleaved runs")
        print(f"{'command':<34} {'median':>7} {'min':>7} {'ratio':>7} {'target':>7}")
        for label, values in times.items():
            median = statistics.median(values)
            target = next((t for key, t in targets.items() if key in label), None)
            ratio = f"{median / peer_median:6.2f}x" if target is not None else "      -"
            goal = f"{target:6.1f}x" if target else "      -"
            print(f"{label:<34} {median:7.2f} {min(values):7.2f} {ratio:>7} {goal:>7}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
