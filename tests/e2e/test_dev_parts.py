"""The parts of `synth dev` on their own: discovery, staged components, prefixes, supervision."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from synth.dev import (
    DevOptions,
    DevRunner,
    DevStartError,
    Prefixer,
    ServiceProcess,
    find_services,
)
from synth.dev.discovery import read_env_example
from synth.dev.output import PrefixedLogHandler, service_context
from synth.dev.resources import redis_metadata, stage_resources
from synth.errors import TargetError

OUT = Path(__file__).resolve().parents[2] / "out"


def test_every_learnflow_service_is_found_under_out_with_its_spec_port() -> None:
    services = {s.name: s for s in find_services([OUT])}
    assert sorted(services) == [
        "code-review",
        "concepts",
        "debug",
        "exercise",
        "progress",
        "triage",
    ]
    review = services["code-review"]
    assert (review.package, review.port, review.app_id) == ("code_review", 8003, "code-review")
    assert review.app_module == "code_review.main:app"
    assert review.resources_path == OUT / "code-review" / "components" / "local"
    assert review.env["PUBSUB_NAME"] == "pubsub"


def test_a_service_folder_named_twice_is_found_once() -> None:
    services = find_services([OUT / "triage", OUT, OUT / "triage"])
    assert [s.name for s in services].count("triage") == 1


def test_two_services_with_one_name_are_refused(tmp_path: Path) -> None:
    for copy in ("a", "b"):
        target = tmp_path / copy
        target.mkdir()
        (target / "synth.yaml").write_text("spec: {name: triage, port: 8001}\n")
        (target / "triage").mkdir()
        (target / "triage" / "main.py").write_text("")
    with pytest.raises(TargetError, match="two services are named triage"):
        find_services([tmp_path])


def test_env_example_lines_are_read_without_comments(tmp_path: Path) -> None:
    env = tmp_path / ".env.example"
    env.write_text("# a comment\n\nAPP_ID=triage\nexport LOG_LEVEL='DEBUG'\nBROKEN\n")
    assert read_env_example(env) == {"APP_ID": "triage", "LOG_LEVEL": "DEBUG"}


def test_redis_urls_become_component_metadata() -> None:
    assert redis_metadata("redis://127.0.0.1:6380/9") == {
        "redisHost": "127.0.0.1:6380",
        "redisDB": "9",
    }
    assert redis_metadata("rediss://u:pw@cache")["enableTLS"] == "true"
    with pytest.raises(TargetError):
        redis_metadata("http://localhost")


def test_staged_components_point_redis_at_the_url_and_leave_the_service_alone(
    tmp_path: Path,
) -> None:
    source = OUT / "triage" / "components" / "local"
    before = (source / "statestore.yaml").read_text()
    staged = stage_resources(source, tmp_path / "staged", "redis://10.0.0.5:7000/3")
    doc = YAML(typ="safe", pure=True).load((staged / "statestore.yaml").read_text())
    meta = {item["name"]: item["value"] for item in doc["spec"]["metadata"]}
    assert meta == {"redisHost": "10.0.0.5:7000", "redisDB": "3"}
    assert doc["scopes"] == ["triage"]
    assert (source / "statestore.yaml").read_text() == before


def test_lines_carry_the_service_name_aligned() -> None:
    lines: list[str] = []
    prefixer = Prefixer(lines.append, width=len("code-review"))
    prefixer.line("triage", "started\n")
    prefixer.line("code-review", "started")
    assert lines == ["[triage]      started", "[code-review] started"]


def test_sidecar_log_records_carry_the_service_of_their_context() -> None:
    lines: list[str] = []
    handler = PrefixedLogHandler(Prefixer(lines.append))
    logger = logging.getLogger("synth.sidecar.test-dev")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with service_context("progress"):
            logger.warning("delivery failed")
        logger.info("outside")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    assert lines == ["[progress] sidecar: warning delivery failed", "[dev] sidecar: outside"]


def test_a_process_ignoring_sigterm_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    lines: list[str] = []
    started = asyncio.Event()

    def sink(line: str) -> None:
        lines.append(line)
        started.set()

    script = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('up', flush=True); time.sleep(60)"
    )

    async def run() -> int | None:
        process = ServiceProcess(
            "stubborn",
            [sys.executable, "-c", script],
            cwd=tmp_path,
            env={},
            prefixer=Prefixer(sink),
        )
        await process.start()
        await started.wait()
        return await process.stop(grace=0.3)

    assert asyncio.run(run()) == -9
    assert lines[0] == "[stubborn] up"
    assert lines[-1] == "[stubborn] still running after 0.3s; killed"


def test_a_service_that_dies_while_starting_is_named(tmp_path: Path) -> None:
    service = tmp_path / "broken"
    (service / "broken").mkdir(parents=True)
    (service / "synth.yaml").write_text("spec: {name: broken, port: 8999}\n")
    (service / "broken" / "main.py").write_text("raise SystemExit(3)\n")
    lines: list[str] = []
    options = DevOptions(free_app_ports=True, sink=lines.append, ready_timeout=30)

    async def run() -> None:
        async with DevRunner(find_services([service]), options) as runner:
            await runner.wait_ready()

    with pytest.raises(DevStartError, match="broken exited with code 3 while starting"):
        asyncio.run(run())
    assert any(line.startswith("[broken]") and "sidecar:" in line for line in lines)
