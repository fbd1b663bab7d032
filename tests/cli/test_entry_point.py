"""The console-script entry point: which commands run without the cycle collector, and how a
one-shot command ends (its status kept, its output whole, no interpreter teardown)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from typer.testing import CliRunner

import synth.cli as cli
from tests.cli.conftest import ROOT


class _ExitedError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _spy_exit(code: int) -> NoReturn:
    raise _ExitedError(code)


@pytest.fixture
def collector_seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """What `gc.isenabled()` said when the command itself ran (the command is a spy)."""
    seen: list[bool] = []

    def load(modules: set[str]) -> Callable[[], None]:
        return lambda: seen.append(gc.isenabled())

    monkeypatch.setattr(cli, "_load", load)
    monkeypatch.setattr(cli, "_hard_exit", _spy_exit)
    yield seen
    gc.enable()


@pytest.mark.parametrize("command", ["new", "add-feature", "check", "list"])
def test_a_one_shot_command_runs_without_the_cycle_collector(
    command: str, collector_seen: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    gc.enable()
    monkeypatch.setattr(sys, "argv", ["synth", command])
    with pytest.raises(_ExitedError) as exited:
        cli.main()
    assert collector_seen == [False]
    assert exited.value.code == 0


def test_dev_serves_until_stopped_so_it_keeps_the_cycle_collector_and_an_ordinary_exit(
    collector_seen: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    gc.enable()
    monkeypatch.setattr(sys, "argv", ["synth", "dev"])
    cli.main()  # returns: no hard exit
    assert collector_seen == [True]


@pytest.mark.parametrize(
    ("raised", "code", "printed"),
    [(None, 0, ""), (SystemExit(None), 0, ""), (SystemExit(2), 2, ""), (SystemExit("no"), 1, "no")],
)
def test_a_one_shot_command_exits_with_the_status_the_interpreter_would_give(
    raised: SystemExit | None,
    code: int,
    printed: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def run() -> None:
        if raised is not None:
            raise raised

    monkeypatch.setattr(cli, "_load", lambda modules: run)
    monkeypatch.setattr(cli, "_hard_exit", _spy_exit)
    monkeypatch.setattr(sys, "argv", ["synth", "new"])
    with pytest.raises(_ExitedError) as exited:
        cli.main()
    gc.enable()
    assert exited.value.code == code
    assert capsys.readouterr().err.strip() == printed


def _synth(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """synth as a user runs it: its own process, stdout and stderr on pipes."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["XDG_CACHE_HOME"] = str(cwd / "cache")
    return subprocess.run(
        [sys.executable, "-m", "synth", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_hard_exit_leaves_the_service_written_whole_and_the_summary_printed(
    tmp_path: Path,
) -> None:
    made = _synth("new", "progress", "--specs", str(ROOT / "specs"), "--out", "svc", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "files changed" in made.stderr + made.stdout
    in_process = CliRunner().invoke(
        cli.app,
        ["new", "progress", "--specs", str(ROOT / "specs"), "--out", str(tmp_path / "again")],
    )
    assert in_process.exit_code == 0, in_process.output
    assert _tree(tmp_path / "svc") == _tree(tmp_path / "again")
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # no staging folder or temporary file left beside it


def test_a_hard_exit_keeps_a_long_stdout_whole_on_a_pipe(tmp_path: Path) -> None:
    printed = _synth("asyncapi", "--specs", str(ROOT / "specs"), cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    in_process = CliRunner().invoke(cli.app, ["asyncapi", "--specs", str(ROOT / "specs")])
    assert len(printed.stdout) > 10_000
    assert printed.stdout == in_process.stdout


def test_a_hard_exit_keeps_a_refusal_s_status_and_writes_nothing(tmp_path: Path) -> None:
    refused = _synth("new", "progress", "--with", "nosuch", "--out", "svc", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.startswith("synth: error: ") and len(refused.stderr.splitlines()) == 1
    assert not (tmp_path / "svc").exists()


_UNFLUSHED = """
import sys
import synth.cli as cli
def run():
    for _ in range(10_000):
        sys.stdout.write("line\\n")  # buffered on a pipe, never flushed by the command
    sys.stderr.write("e" * 10)
    raise SystemExit(3)
cli._load = lambda modules: run
sys.argv = ["synth", "new"]
cli.main()
"""


def test_a_hard_exit_flushes_what_a_command_left_in_the_stream_buffers(tmp_path: Path) -> None:
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run(
        [sys.executable, "-c", _UNFLUSHED],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=buffered,
    )
    assert (done.returncode, len(done.stdout), done.stderr) == (3, 50_000, "e" * 10)
