"""The `app` feature (always on): settings, JSON logs, the one Dapr client, the FastAPI app.

Generates, for a service `debug`:

    debug/settings.py     Settings(BaseSettings) + get_settings()
    debug/logs.py         JSON log lines; `async with dapr_operation("state.get", key=k):` timing
    debug/dapr_client.py  DaprConnection (one client per process), lifespan, get_dapr_client
    debug/main.py         app = FastAPI(..., lifespan=lifespan)
    tests/conftest.py     FakeDaprClient (the test seam) and an `app_client` fixture
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from synth.codegen import Unit, build_docstring, build_name, build_str, expand_template
from synth.codegen.runtime import runtime_units
from synth.features.app.deploy import deployment
from synth.features.base import Contribution, Feature, ReadmeSection, with_settings_fields
from synth.spec import FeatureName, ServiceSpec

__all__ = ["AppFeature"]

_SETTINGS = '''
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting has a local default; deployments set them through the environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
'''

_MAIN = """
from fastapi import FastAPI

from {package}.dapr_client import lifespan
from {package}.logs import configure_logging
from {package}.settings import get_settings

configure_logging(get_settings().log_level)

app = FastAPI(title={title}, summary={summary}, version="0.1.0", lifespan=lifespan)
"""

_CONFTEST = '''
"""Test seams: an in-memory stand-in for the Dapr client, and the app wired to it."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from dapr.clients.exceptions import DaprInternalError
from dapr.clients.grpc._state import Concurrency
from fastapi.testclient import TestClient
from grpc.aio import AioRpcError, Metadata

from {package}.dapr_client import DaprConnection
from {package}.main import app


@dataclass
class FakeStateResponse:
    """What `DaprClient.get_state` returns: bytes and an ETag (empty when missing)."""

    data: bytes
    etag: str


@dataclass
class FakeDaprClient:
    """Records every call and keeps state in memory with Dapr's ETag rules (contract S-16)."""

    state: dict[tuple[str, str], tuple[bytes, str]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    versions: int = 0
    replies: list[Any] = field(default_factory=list)

    def _conflict(self, key: str) -> DaprInternalError:
        cause = AioRpcError(
            grpc.StatusCode.ABORTED, Metadata(), Metadata(), details=f"etag mismatch for {key}"
        )
        error = DaprInternalError(f"possible etag mismatch for {key}")
        error.__cause__ = cause
        return error

    async def get_state(self, store_name: str, key: str, **kwargs: Any) -> FakeStateResponse:
        self.calls.append(("get_state", {"store_name": store_name, "key": key, **kwargs}))
        data, etag = self.state.get((store_name, key), (b"", ""))
        return FakeStateResponse(data, etag)

    async def save_state(self, store_name: str, key: str, value: str, **kwargs: Any) -> None:
        self.calls.append(
            ("save_state", {"store_name": store_name, "key": key, "value": value, **kwargs})
        )
        etag = kwargs.get("etag")
        current = self.state.get((store_name, key))
        if etag is not None and (current is None or current[1] != etag):
            raise self._conflict(key)
        first_write = getattr(kwargs.get("options"), "concurrency", None) is Concurrency.first_write
        if first_write and etag is None and current is not None:
            raise self._conflict(key)  # S-16: first-write, no ETag, key exists
        self.versions += 1
        self.state[(store_name, key)] = (value.encode(), str(self.versions))

    async def delete_state(self, store_name: str, key: str, **kwargs: Any) -> None:
        self.calls.append(("delete_state", {"store_name": store_name, "key": key, **kwargs}))
        etag = kwargs.get("etag")
        current = self.state.get((store_name, key))
        if etag is not None and (current is None or current[1] != etag):
            raise self._conflict(key)
        self.state.pop((store_name, key), None)

    def seed(self, store_name: str, key: str, value: str) -> None:
        """Another replica creates `key` right now (no await in between)."""
        self.versions += 1
        self.state[(store_name, key)] = (value.encode(), str(self.versions))

    def touch(self, key: str) -> None:
        """Another replica writes `key`: its ETag changes, its value stays."""
        for (store, stored_key), (data, _) in list(self.state.items()):
            if stored_key == key:
                self.versions += 1
                self.state[(store, stored_key)] = (data, str(self.versions))

    async def publish_event(
        self,
        pubsub_name: str,
        topic_name: str,
        data: bytes | str,
        publish_metadata: dict[str, str] | None = None,
        data_content_type: str | None = None,
    ) -> None:
        self.calls.append(
            (
                "publish_event",
                {
                    "pubsub_name": pubsub_name,
                    "topic_name": topic_name,
                    "data": data,
                    "data_content_type": data_content_type,
                    "publish_metadata": publish_metadata or {},
                },
            )
        )

    async def invoke_method(
        self,
        app_id: str,
        method_name: str,
        data: bytes | str = b"",
        content_type: str | None = None,
        http_verb: str | None = None,
        **options: Any,
    ) -> Any:
        """Answer with the next of `replies` (an exception in it is raised instead)."""
        self.calls.append(
            (
                "invoke_method",
                {
                    "app_id": app_id,
                    "method_name": method_name,
                    "data": data,
                    "content_type": content_type,
                    "http_verb": http_verb,
                    **options,
                },
            )
        )
        if not self.replies:
            raise AssertionError(f"invoke_method {app_id}/{method_name}: no reply queued")
        reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        return reply

    async def close(self) -> None:
        self.calls.append(("close", {}))


class ReadyConnection(DaprConnection):
    """A connection whose sidecar always answers its health check."""

    async def sidecar_problem(self) -> str:
        return ""


@pytest.fixture
def fake_dapr() -> FakeDaprClient:
    """A fresh in-memory Dapr client."""
    return FakeDaprClient()


@pytest.fixture
def app_client(fake_dapr: FakeDaprClient) -> Iterator[TestClient]:
    """The app, started with its lifespan, talking to `fake_dapr` through the seam."""
    app.state.dapr = ReadyConnection(fake_dapr)  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield client
    app.state.dapr = None
'''

_TEST_APP = '''
"""The app starts, logs JSON, and hands out one shared Dapr client."""

import json
import logging

from fastapi.testclient import TestClient

from {package}.logs import JsonFormatter
from {package}.main import app


def test_app_is_named_after_the_service() -> None:
    assert app.title == {title}


def test_log_lines_are_json_with_their_fields() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    record.fields = {"duration_ms": 1.5}
    line = json.loads(JsonFormatter().format(record))
    assert (line["message"], line["level"], line["duration_ms"]) == ("hello you", "INFO", 1.5)


def test_lifespan_keeps_the_installed_client_and_closes_it(
    app_client: TestClient, fake_dapr: object
) -> None:
    assert app.state.dapr.client is fake_dapr
'''


class AppFeature(Feature):
    """FastAPI app, settings, JSON logs and one Dapr client per process."""

    name: ClassVar[FeatureName] = FeatureName.APP
    summary: ClassVar[str] = "FastAPI app, settings, JSON logs, one Dapr client per process"
    always: ClassVar[bool] = True

    def contribute(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> Contribution:
        package = build_name(spec.package)
        pkg = spec.package
        title = build_str(spec.name)
        summary = build_str(spec.description or f"The {spec.name} service")

        def units(template: str, **nodes: cst.CSTNode) -> tuple[Unit, ...]:
            return expand_template(template, nodes).units

        doc = build_docstring(
            f"{spec.name}: {spec.description or 'a Dapr service'}\n\n"
            f"FastAPI app that runs beside a Dapr sidecar (app id `{spec.name}`, "
            f"port {spec.port}).\n"
        )
        main = (Unit(doc), *units(_MAIN, package=package, title=title, summary=summary))
        init_doc = Unit(build_docstring(f"The {spec.name} service."))
        settings_doc = Unit(build_docstring(f"Settings of the {spec.name} service."))
        test_app = units(_TEST_APP, package=package, title=title)
        return Contribution(
            python={
                f"{pkg}/__init__.py": (init_doc,),
                f"{pkg}/settings.py": (
                    settings_doc,
                    *with_settings_fields(units(_SETTINGS), deployment(spec, active).env),
                ),
                f"{pkg}/logs.py": runtime_units("app/logs.py", pkg).units,
                f"{pkg}/dapr_client.py": runtime_units("app/dapr_client.py", pkg).units,
                f"{pkg}/main.py": main,
                "tests/__init__.py": (Unit(build_docstring(f"Tests of {spec.name}.")),),
                "tests/conftest.py": units(_CONFTEST, package=package),
                "tests/test_app.py": test_app,
            },
            dependencies=(
                "dapr[fastapi]>=1.19",
                "fastapi>=0.160",
                "httpx>=0.28",
                "pydantic>=2.11",
                "pydantic-settings>=2.10",
                "uvicorn>=0.50",
            ),
            dev_dependencies=("black>=26.1", "pytest>=9.0", "ruff>=0.17"),
            deploy=deployment(spec, active),
            readme=(
                ReadmeSection(
                    "Run it",
                    "```\n"
                    "pip install -e '.[dev]'\n"
                    f"dapr run --app-id {spec.name} --app-port {spec.port} "
                    "--resources-path components/local -- \\\n"
                    f"  uvicorn {pkg}.main:app --host 127.0.0.1 --port {spec.port}\n"
                    "pytest\n"
                    "```\n\n"
                    "Without a Dapr installation, `synth dev .` runs it beside synth's local "
                    "Dapr-compatible sidecar (not daprd).",
                ),
            ),
        )
