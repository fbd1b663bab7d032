"""The ``python -m synth.sidecar`` command line (daprd-like flags, clean SIGTERM shutdown)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from synth.sidecar.__main__ import build_parser
from tests.sidecar.sidecar_kit import MEMORY_COMPONENTS, write_resources


def test_help_says_it_is_a_local_runtime_not_daprd() -> None:
    text = build_parser().format_help()
    assert "NOT daprd" in text
    for flag in ("--app-id", "--app-port", "--dapr-http-port", "--dapr-grpc-port"):
        assert flag in text
    assert "--resources-path" in text and "--store" in text


def test_cli_runs_until_sigterm_and_exits_cleanly(tmp_path: Path) -> None:
    folder = write_resources(tmp_path / "res", MEMORY_COMPONENTS)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "synth.sidecar",
            "--app-id",
            "cli-app",
            "--dapr-http-port",
            "0",
            "--dapr-grpc-port",
            "0",
            "--resources-path",
            str(folder),
            "--log-level",
            "warn",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http=(\d+) grpc=(\d+)", line)
        assert match, line
        url = f"http://127.0.0.1:{match.group(1)}/v1.0/healthz"
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    assert response.status == 204
                    break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "stopped" in out


def _run_cli_on(tmp_path: Path, type_: str) -> subprocess.CompletedProcess[str]:
    folder = write_resources(
        tmp_path / "res",
        [
            {
                "apiVersion": "dapr.io/v1alpha1",
                "kind": "Component",
                "metadata": {"name": "pubsub"},
                "spec": {"type": type_, "version": "v1", "metadata": []},
            }
        ],
    )
    return subprocess.run(
        [sys.executable, "-m", "synth.sidecar", "--app-id", "a", "--resources-path", str(folder)],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_cli_reports_production_component_without_override(tmp_path: Path) -> None:
    result = _run_cli_on(tmp_path, "state.postgresql")
    assert result.returncode == 2
    assert "--store memory or --store redis" in result.stderr


def test_cli_reports_a_kafka_component_without_auth_type_c12(tmp_path: Path) -> None:
    result = _run_cli_on(tmp_path, "pubsub.kafka")
    assert result.returncode == 2
    assert "kafka error: 'authType' attribute was missing or empty" in result.stderr
