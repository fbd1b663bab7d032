"""The `app` feature (always on): settings, JSON logs, the one Dapr client, the FastAPI app.

Generates, for a service `debug`:

    debug/settings.py     Settings(BaseSettings) + get_settings()
    debug/logs.py         JSON log lines; `async with dapr_operation("state.get", key=k):` timing
    debug/dapr_client.py  DaprConnection (one client per process), lifespan, get_dapr_client
    debug/main.py         app = FastAPI(..., lifespan=lifespan)
    tests/conftest.py     FakeDaprClient (the test seam) and an `app_client` fixture
    tests/test_app.py     the title test, then the fixed tests

logs, dapr_client, conftest and test_app's fixed tests are synth/runtime/app/; main.py and the
title test are shaped by the spec (title, summary, docstring) and stay small templates.
settings.py is the shell synth/runtime/app/settings.py with the app's fields in `Settings`.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from synth.codegen import Unit, build_docstring, build_name, build_str, expand_template
from synth.codegen.runtime import runtime_units
from synth.features.app.deploy import deployment
from synth.features.base import (
    Contribution,
    DeployPieces,
    Feature,
    ReadmeSection,
    with_settings_fields,
)
from synth.spec import FeatureName, ServiceSpec

__all__ = ["AppFeature"]

_MAIN = """
from fastapi import FastAPI

from {package}.dapr_client import lifespan
from {package}.logs import configure_logging
from {package}.settings import get_settings

configure_logging(get_settings().log_level)

app = FastAPI(title={title}, summary={summary}, version="0.1.0", lifespan=lifespan)
"""

_TEST_TITLE = """
from {package}.main import app


def test_app_is_named_after_the_service() -> None:
    assert app.title == {title}
"""


class AppFeature(Feature):
    """FastAPI app, settings, JSON logs and one Dapr client per process."""

    name: ClassVar[FeatureName] = FeatureName.APP
    summary: ClassVar[str] = "FastAPI app, settings, JSON logs, one Dapr client per process"
    always: ClassVar[bool] = True
    dependencies: ClassVar[tuple[str, ...]] = (
        "dapr[fastapi]>=1.19",
        "fastapi>=0.160",
        "httpx>=0.28",
        "pydantic>=2.11",
        "pydantic-settings>=2.10",
        "uvicorn>=0.50",
    )
    dev_dependencies: ClassVar[tuple[str, ...]] = (
        "black>=26.1",
        "mypy>=2.4",
        "pytest>=9.0",
        "ruff>=0.17",
        "types-grpcio>=1.85",  # the tests' fake raises grpc's errors; the stubs type them
    )

    def deployment(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> DeployPieces:
        return deployment(spec, active)

    def contribute(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> Contribution:
        deploy = self.deployment(spec, active)
        package = build_name(spec.package)
        pkg = spec.package
        title = build_str(spec.name)
        summary = build_str(spec.description or f"The {spec.name} service")

        def units(template: str, **nodes: cst.CSTNode) -> tuple[Unit, ...]:
            return expand_template(template, nodes).units

        doc = build_docstring(
            f"{spec.name}: {spec.description or 'a Dapr service.'}\n\n"
            f"FastAPI app that runs beside a Dapr sidecar (app id `{spec.name}`, "
            f"port {spec.port}).\n"
        )
        main = (Unit(doc), *units(_MAIN, package=package, title=title, summary=summary))
        init_doc = Unit(build_docstring(f"The {spec.name} service."))
        settings_doc = Unit(build_docstring(f"Settings of the {spec.name} service."))
        test_doc, *tests = runtime_units("app/test_app.py", pkg).units
        test_app = (test_doc, *units(_TEST_TITLE, package=package, title=title), *tests)
        return Contribution(
            python={
                f"{pkg}/__init__.py": (init_doc,),
                f"{pkg}/settings.py": (settings_doc, *_settings(spec, deploy)),
                f"{pkg}/logs.py": runtime_units("app/logs.py", pkg).units,
                f"{pkg}/dapr_client.py": runtime_units("app/dapr_client.py", pkg).units,
                f"{pkg}/main.py": main,
                "tests/__init__.py": (Unit(build_docstring(f"Tests of {spec.name}.")),),
                "tests/conftest.py": runtime_units("app/conftest.py", pkg).units,
                "tests/test_app.py": test_app,
            },
            dependencies=self.dependencies,
            dev_dependencies=self.dev_dependencies,
            deploy=deploy,
            readme=(
                ReadmeSection(
                    "Run it",
                    "```\n"
                    "pip install -e '.[dev]'\n"
                    f"dapr run --app-id {spec.name} --app-port {spec.port} "
                    "--resources-path components/local -- \\\n"
                    f"  uvicorn {pkg}.main:app --host 127.0.0.1 --port {spec.port}\n"
                    "pytest\n"
                    "ruff check . && black --check . && mypy\n"
                    "```\n\n"
                    "Without a Dapr installation, `synth dev .` runs it beside synth's local "
                    "Dapr-compatible sidecar (not daprd).",
                ),
            ),
        )


def _settings(spec: ServiceSpec, deploy: DeployPieces) -> tuple[Unit, ...]:
    """The runtime's settings shell, its `Settings` class holding the app's fields."""
    shell = runtime_units("app/settings.py", spec.package, docstring=False).units
    return with_settings_fields(shell, deploy.env)
