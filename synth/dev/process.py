"""Supervising one service process: `python -m uvicorn <pkg>.main:app` with its sidecar's env.

:class:`ServiceProcess` starts the process in the service folder, pumps its output through the
prefixer, and stops it the way `dapr run` does: SIGTERM, then SIGKILL after a grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from synth.dev.output import Prefixer, pump_lines

__all__ = ["ServiceProcess", "uvicorn_command"]


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
    ) -> None:
        self.name = name
        self.command = command
        self.cwd = cwd
        self.env = dict(env)
        self.prefixer = prefixer
        self.stopping = False
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
            *self.command,
            cwd=self.cwd,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        self._process = process
        assert process.stdout is not None and process.stderr is not None
        self._pumps = [
            asyncio.create_task(pump_lines(process.stdout, self.name, self.prefixer)),
            asyncio.create_task(pump_lines(process.stderr, self.name, self.prefixer)),
        ]
        self._watch = asyncio.create_task(self._report_exit(process))

    async def _report_exit(self, process: asyncio.subprocess.Process) -> None:
        code = await process.wait()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        if not self.stopping:
            self.prefixer.line(self.name, f"process exited with code {code}")

    async def wait(self) -> int:
        """Wait for the process to exit; its exit code."""
        if self._process is None:
            raise RuntimeError(f"{self.name}: not started")
        return await self._process.wait()

    async def stop(self, grace: float = 5.0) -> int | None:
        """SIGTERM, then SIGKILL once `grace` seconds have passed; the exit code."""
        self.stopping = True
        process = self._process
        if process is None:
            return None
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                self.prefixer.line(self.name, f"still running after {grace:g}s; killed")
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if self._watch is not None:
            await asyncio.gather(self._watch, return_exceptions=True)
        return process.returncode
