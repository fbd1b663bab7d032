"""Supervising one service process: `python -m uvicorn <pkg>.main:app` with its sidecar's env.

:class:`ServiceProcess` starts the process in the service folder (in a process group of its
own, dying with `synth dev`: :mod:`synth.dev.children`), pumps its output through the prefixer,
and stops it the way `dapr run` does: SIGTERM to its group, then SIGKILL after a grace period.
Once :attr:`ServiceProcess.restarts` is switched on, a process that exits by itself is started
again after a backoff (:class:`RestartPolicy`), and each restart is said in the output.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from synth.dev.children import die_with_parent
from synth.dev.output import Prefixer, pump_lines

__all__ = ["RestartPolicy", "ServiceProcess", "uvicorn_command"]


@dataclass(frozen=True)
class RestartPolicy:
    """Backoff between restarts: `initial * 2**n` up to `maximum` seconds; a process that ran
    `reset_after` seconds before exiting starts again from `initial`."""

    initial: float = 0.5
    maximum: float = 10.0
    reset_after: float = 30.0

    def delay(self, consecutive: int) -> float:
        return float(min(self.initial * 2 ** max(consecutive - 1, 0), self.maximum))


def uvicorn_command(app_module: str, port: int, host: str = "127.0.0.1") -> list[str]:
    """The command line of one service: uvicorn from this interpreter."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app_module,
        "--host",
        host,
        "--port",
        str(port),
    ]


class ServiceProcess:
    """One running service process, its output prefixed with `name`; `env` is its whole env."""

    def __init__(
        self,
        name: str,
        command: list[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        prefixer: Prefixer,
        restart: RestartPolicy | None = None,
    ) -> None:
        self.name = name
        self.command = command
        self.cwd = cwd
        self.env = dict(env)
        self.prefixer = prefixer
        self.stopping = False
        self.restart_policy = restart or RestartPolicy()
        self.restarts = False
        self.restart_count = 0
        self._consecutive = 0
        self._started_at = 0.0
        self._process: asyncio.subprocess.Process | None = None
        self._pumps: list[asyncio.Task[None]] = []
        self._watch: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def returncode(self) -> int | None:
        """None while the process runs (or before it started)."""
        return self._process.returncode if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    async def start(self) -> None:
        """Start the process; its output is pumped until it exits."""
        process = await asyncio.create_subprocess_exec(
            *die_with_parent(self.command),
            cwd=self.cwd,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            process_group=0,
        )
        self._process = process
        self._started_at = time.monotonic()
        assert process.stdout is not None and process.stderr is not None
        self._pumps = [
            asyncio.create_task(pump_lines(process.stdout, self.name, self.prefixer)),
            asyncio.create_task(pump_lines(process.stderr, self.name, self.prefixer)),
        ]
        self._watch = asyncio.create_task(self._report_exit(process))

    async def _report_exit(self, process: asyncio.subprocess.Process) -> None:
        code = await process.wait()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        if self.stopping:
            return
        if not self.restarts:
            self.prefixer.line(self.name, f"process exited with code {code}")
            return
        ran = time.monotonic() - self._started_at
        self._consecutive = 1 if ran >= self.restart_policy.reset_after else self._consecutive + 1
        delay = self.restart_policy.delay(self._consecutive)
        self.restart_count += 1
        self.prefixer.line(
            self.name,
            f"process exited with code {code}; restarting in {delay:g}s "
            f"(restart {self.restart_count})",
        )
        await asyncio.sleep(delay)
        if self.stopping:
            return
        try:
            await self.start()
        except OSError as exc:
            self.prefixer.line(self.name, f"restart failed: {exc}")
            return
        self.prefixer.line(self.name, f"restarted (pid {self.pid})")

    async def wait(self) -> int:
        """Wait for the process to exit; its exit code."""
        if self._process is None:
            raise RuntimeError(f"{self.name}: not started")
        return await self._process.wait()

    def _signal_group(self, process: asyncio.subprocess.Process, sig: int) -> None:
        """Signal the process's whole group (uvicorn and anything it started)."""
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(sig)

    async def stop(self, grace: float = 5.0) -> int | None:
        """SIGTERM, then SIGKILL once `grace` seconds have passed; the exit code."""
        self.stopping = True
        watch = self._watch
        if watch is not None and not watch.done() and self.running is False:
            watch.cancel()  # waiting out a restart backoff: no restart now
        process = self._process
        if process is None:
            return None
        if process.returncode is None:
            self._signal_group(process, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                self.prefixer.line(self.name, f"still running after {grace:g}s; killed")
                self._signal_group(process, signal.SIGKILL)
                await process.wait()
        if self._watch is not None:
            await asyncio.gather(self._watch, return_exceptions=True)
        return process.returncode
