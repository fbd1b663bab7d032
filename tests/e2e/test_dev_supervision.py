"""How `synth dev` treats its services' processes (issue 14 items 12-14).

Before: `.env.example` beat the shell and `.env`; a service that exited stayed dead; after
kill -9 of `synth dev` its uvicorn children kept their ports; a port in use surfaced as a
uvicorn traceback.  The services here are a few lines of Starlette, so each test is quick.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from synth.dev import DevOptions, DevRunner, DevStartError, find_services
from synth.dev.process import RestartPolicy

LAUNCH = "import synth.cli.dev; from synth.cli.shell import app; app()"
MINI_APP = """\
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def ok(request):
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/ready", ok), Route("/health", ok)])
"""


def mini_service(root: Path, name: str = "mini", port: int = 8999) -> Path:
    folder = root / name
    (folder / name).mkdir(parents=True)
    (folder / "synth.yaml").write_text(f"spec: {{name: {name}, port: {port}}}\n")
    (folder / name / "main.py").write_text(MINI_APP)
    return folder


def test_the_shell_beats_dotenv_which_beats_env_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = mini_service(tmp_path)
    (folder / ".env.example").write_text(
        "FROM_EXAMPLE=example\nIN_DOTENV=example\nIN_SHELL=example\n"
    )
    (folder / ".env").write_text("IN_DOTENV=dotenv\nIN_SHELL=dotenv\n")
    monkeypatch.setenv("IN_SHELL", "shell")
    runner = DevRunner(find_services([folder]), DevOptions(free_app_ports=True))
    (inst,) = runner._plan(runner.services[0])
    env = runner._env(inst)
    assert (env["FROM_EXAMPLE"], env["IN_DOTENV"], env["IN_SHELL"]) == (
        "example",
        "dotenv",
        "shell",
    )
    assert env["DAPR_HTTP_PORT"] == str(inst.config.http_port)  # the wiring still wins


def test_a_service_that_exits_is_restarted_with_backoff_and_says_so(tmp_path: Path) -> None:
    lines: list[str] = []
    options = DevOptions(
        free_app_ports=True,
        sink=lines.append,
        restart=RestartPolicy(initial=0.05, maximum=0.2),
        ready_timeout=30,
    )

    async def run() -> tuple[int | None, int | None, int]:
        async with DevRunner(find_services([mini_service(tmp_path)]), options) as runner:
            await runner.wait_ready()
            inst = runner.instance("mini")
            assert inst.process is not None
            first = inst.process.pid
            assert first is not None
            os.kill(first, signal.SIGKILL)
            async with asyncio.timeout(20), httpx.AsyncClient() as http:
                while True:
                    await asyncio.sleep(0.1)
                    if inst.process.pid == first or not inst.process.running:
                        continue
                    try:
                        if (await http.get(f"{inst.app_url}/ready")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        continue
            return first, inst.process.pid, inst.process.restart_count

    first, second, restarts = asyncio.run(run())
    said = [" ".join(line.split()) for line in lines]
    assert second != first and restarts == 1, "\n".join(said)
    assert "[mini] process exited with code -9; restarting in 0.05s (restart 1)" in said
    assert f"[mini] restarted (pid {second})" in said


def test_a_port_already_in_use_is_named(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        folder = mini_service(tmp_path, port=port)
        runner = DevRunner(find_services([folder]), DevOptions(sink=lambda _line: None))
        with pytest.raises(DevStartError, match=f"port {port} of mini is already in use"):
            asyncio.run(runner.start())


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


@pytest.mark.slow
def test_services_die_with_a_killed_synth_dev_and_free_their_ports(tmp_path: Path) -> None:
    folder = mini_service(tmp_path)
    command = [sys.executable, "-c", LAUNCH, "dev", str(folder), "--json", "--free-ports"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert process.stdout is not None
        status = json.loads(process.stdout.readline())
        port = int(status["services"][0]["url"].rsplit(":", 1)[1])
        assert _listening(port)
        process.kill()  # kill -9: synth dev cannot stop anything itself
        process.wait(10)
        deadline = time.monotonic() + 10
        while _listening(port):
            assert time.monotonic() < deadline, f"port {port} still served after kill -9"
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
