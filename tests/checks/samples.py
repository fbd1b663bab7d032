"""Good service folders built with synth's own builders, written to a tmp folder."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from synth.features.base import deployment_of
from synth.features.registry import always_on
from synth.manifests import build_deploy_files, build_platform_files
from synth.spec import FeatureName, ServiceSpec, load_spec

SPECS = Path(__file__).resolve().parents[2] / "specs"


def learnflow_spec(name: str) -> ServiceSpec:
    return load_spec(SPECS / f"{name}.yaml")


def features_of(spec: ServiceSpec) -> frozenset[FeatureName]:
    return frozenset(spec.features) | always_on()


def write_record(root: Path, spec: ServiceSpec, features: frozenset[FeatureName]) -> None:
    data = {
        "features": sorted(f.value for f in features),
        "spec": spec.model_dump(mode="json", exclude_defaults=True),
    }
    root.mkdir(parents=True, exist_ok=True)
    with (root / "synth.yaml").open("w", encoding="utf-8") as handle:
        YAML().dump(data, handle)


def write_files(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def write_service(root: Path, spec: ServiceSpec) -> Path:
    """The deploy artifacts and synth.yaml of `spec` in `root` (no Python package)."""
    features = features_of(spec)
    write_record(root, spec, features)
    write_files(root, build_deploy_files(spec, deployment_of(spec, features)).render())
    return root


def write_platform(root: Path, specs: list[ServiceSpec]) -> Path:
    for spec in specs:
        write_service(root / spec.name, spec)
    features = {spec.name: features_of(spec) for spec in specs}
    write_files(
        root,
        build_platform_files([(s, deployment_of(s, features[s.name])) for s in specs]).render(),
    )
    return root


STAND_IN_MAIN = """\
\"\"\"A stand-in app: serves /health and the spec's subscriptions, like a generated one.\"\"\"

from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/ready")
def ready() -> dict[str, str]:
    return {"status": "ready"}


@app.get("/dapr/subscribe")
def subscribe() -> list[dict[str, str]]:
    return SUBSCRIPTIONS


SUBSCRIPTIONS = [
%s]
"""

STAND_IN_PYPROJECT = """\
[project]
name = "stand-in"
version = "0.1.0"
dependencies = ["fastapi"]

[tool.ruff]
line-length = 100

[tool.ruff.lint]
select = ["E", "F", "W", "I", "B", "UP", "N", "SIM"]
"""


def write_python_service(root: Path, spec: ServiceSpec) -> Path:
    """Deploy artifacts plus a small black- and ruff-clean package whose app boots."""
    write_service(root, spec)
    entries = "".join(
        f'    {{"pubsubname": "{spec.pubsub}", "topic": "{t.topic}", "route": "/events"}},\n'
        for t in spec.subscribes
    )
    write_files(
        root,
        {
            f"{spec.package}/__init__.py": "",
            f"{spec.package}/main.py": STAND_IN_MAIN % entries,
            "pyproject.toml": STAND_IN_PYPROJECT,
        },
    )
    return root
