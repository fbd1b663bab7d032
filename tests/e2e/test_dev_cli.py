"""`synth dev` as a user runs it: help, bad input, and a whole run in memory mode ended by SIGTERM.

The command is registered by importing `synth.cli.dev`; the full run is a real subprocess so
that SIGTERM, the exit code and stdout (only the `--json` line) are the user's.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import synth.cli.dev  # noqa: F401  (registers `dev` until synth.cli imports it)
from synth.cli.shell import app

LAUNCH = "import synth.cli.dev; from synth.cli.shell import app; app()"


def test_help_says_the_sidecar_is_not_daprd() -> None:
    result = CliRunner().invoke(app, ["dev", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "NOT daprd" in text and "--store" in text and "--redis-url" in text


def test_a_folder_without_services_is_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["dev", str(tmp_path)])
    assert result.exit_code == 2
    assert "no service (synth.yaml)" in result.output


def test_a_bad_redis_url_is_exit_2() -> None:
    folder = Path(__file__).resolve().parents[2] / "out" / "concepts"
    result = CliRunner().invoke(app, ["dev", str(folder), "--store", "redis", "--redis-url", "x"])
    assert result.exit_code == 2
    assert "not a redis:// URL" in result.output


def test_kafka_brokers_need_the_kafka_broker_and_a_host_port() -> None:
    folder = Path(__file__).resolve().parents[2] / "out" / "concepts"
    alone = CliRunner().invoke(app, ["dev", str(folder), "--kafka-brokers", "127.0.0.1:9092"])
    assert alone.exit_code == 2 and "--kafka-brokers needs --broker kafka" in alone.output
    bad = CliRunner().invoke(app, ["dev", str(folder), "--broker", "kafka", "--kafka-brokers", "x"])
    assert bad.exit_code == 2 and "not HOST:PORT" in bad.output


def test_help_names_the_kafka_broker() -> None:
    text = " ".join(CliRunner().invoke(app, ["dev", "--help"]).output.split())
    assert "--broker" in text and "--kafka-brokers" in text and "Tansu" in text


@pytest.mark.slow
def test_a_memory_run_crosses_services_and_stops_cleanly_on_sigterm(
    learnflow: Callable[[tuple[str, ...]], Path],
) -> None:
    folder = learnflow(("triage", "concepts", "progress"))
    command = [sys.executable, "-c", LAUNCH, "dev", str(folder), "--json", "--free-ports"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        if not first:
            process.wait(30)
            pytest.fail(f"synth dev ended before ready: {process.stderr.read().decode()[-3000:]}")
        status = json.loads(first)
        assert status["status"] == "ready" and "not daprd" in status["runtime"]
        services = {s["name"]: s for s in status["services"]}
        assert sorted(services) == ["concepts", "progress", "triage"]
        user = f"u-{uuid.uuid4().hex[:8]}"
        query = {"request_id": "r1", "user_id": user, "session_id": "s1", "text": "list?"}
        with httpx.Client(timeout=5) as http:
            for service in services.values():
                assert http.get(f"{service['url']}/ready").status_code == 200
            state = f"{services['progress']['dapr_http_url']}/v1.0/state/statestore"

            def wait_for_topic(topic: str) -> None:
                deadline = time.monotonic() + 30
                while True:
                    got = http.get(f"{state}/progress:{user}")
                    if got.status_code == 200 and topic in got.json()["topics"]:
                        return
                    assert time.monotonic() < deadline, f"{topic} did not reach progress"
                    time.sleep(0.05)

            def publish(via: str, topic: str, data: dict[str, object]) -> None:
                url = f"{services[via]['dapr_http_url']}/v1.0/publish/pubsub/{topic}"
                assert http.post(url, json=data).status_code == 204

            # A known learner first (a new learner's first writes race: see test_learnflow).
            publish("progress", "code.error-hint", {**query, "hint": "h", "attempt": 1})
            wait_for_topic("code.error-hint")
            publish("triage", "learning.query", query)
            wait_for_topic("learning.concept-response")
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err.decode()[-2000:]
    assert out.strip() == b"", "--json prints nothing on stdout but the status line"
    log = err.decode()
    assert "not daprd" in log
    for name in services:
        assert f"[{name}]" in log
    with httpx.Client(timeout=1) as http:
        for service in services.values():
            with pytest.raises(httpx.ConnectError):
                http.get(f"{service['url']}/health")


@pytest.mark.slow
def test_broker_kafka_starts_a_local_tansu_carries_events_and_stops_it(
    learnflow: Callable[[tuple[str, ...]], Path],
) -> None:
    from tests.e2e.conftest import local_kafka_or_skip

    local_kafka_or_skip().stop()  # skip (or fail under CI) here when there is no tansu
    folder = learnflow(("progress",))
    command = [sys.executable, "-c", LAUNCH, "dev", str(folder), "--json", "--free-ports"]
    process = subprocess.Popen(
        [*command, "--broker", "kafka"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        if not first:
            process.wait(30)
            pytest.fail(f"synth dev ended before ready: {process.stderr.read().decode()[-3000:]}")
        status = json.loads(first)
        host, port = status["kafka_brokers"].rsplit(":", 1)
        (service,) = status["services"]
        user = f"u-{uuid.uuid4().hex[:8]}"
        hint = {"request_id": "r", "user_id": user, "session_id": "s", "hint": "h", "attempt": 1}
        with httpx.Client(timeout=5) as http:
            url = f"{service['dapr_http_url']}/v1.0/publish/pubsub/code.error-hint"
            assert http.post(url, json=hint).status_code == 204
            state = f"{service['dapr_http_url']}/v1.0/state/statestore/progress:{user}"
            deadline = time.monotonic() + 30
            while http.get(state).status_code != 200:
                assert time.monotonic() < deadline, "the event did not reach progress over Kafka"
                time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err.decode()[-2000:]
    assert f"local Kafka (tansu) at {host}:{port}" in err.decode()
    with pytest.raises(OSError):
        socket.create_connection((host, int(port)), timeout=1).close()
