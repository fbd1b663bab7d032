"""The console-script entry point: which commands run without the cycle collector."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator

import pytest

import synth.cli as cli


@pytest.fixture
def collector_seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """What `gc.isenabled()` said when the command itself ran (the command is a spy)."""
    seen: list[bool] = []

    def load(modules: set[str]) -> Callable[[], None]:
        return lambda: seen.append(gc.isenabled())

    monkeypatch.setattr(cli, "_load", load)
    yield seen
    gc.enable()


@pytest.mark.parametrize("command", ["new", "add-feature", "check", "list"])
def test_a_one_shot_command_runs_without_the_cycle_collector(
    command: str, collector_seen: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    gc.enable()
    monkeypatch.setattr(sys, "argv", ["synth", command])
    cli.main()
    assert collector_seen == [False]


def test_dev_serves_until_stopped_so_it_keeps_the_cycle_collector(
    collector_seen: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    gc.enable()
    monkeypatch.setattr(sys, "argv", ["synth", "dev"])
    cli.main()
    assert collector_seen == [True]
