"""Spec rules that no table row can show whole: the reserved names, the record, ad-hoc topics."""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from pydantic import ValidationError

from synth.dev import find_services
from synth.features.registry import declared_features
from synth.spec import (
    AdhocOptions,
    ServiceSpec,
    adhoc_spec,
    dump_spec_data,
    parse_spec,
    reserved,
)
from synth.spec.reserved import is_reserved, reserved_package_names


def _import_names(distribution: str) -> set[str]:
    owners = metadata.packages_distributions()
    wanted = Requirement(distribution).name.lower().replace("_", "-")
    return {
        module
        for module, dists in owners.items()
        if wanted in {d.lower().replace("_", "-") for d in dists}
    }


def test_every_dependency_of_a_generated_service_reserves_its_import_names(
    generated_service: Path,
) -> None:
    """Read back from the service's own pyproject, not from the code that derives the set."""
    project = tomllib.loads((generated_service / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    reserved = reserved_package_names()
    for requirement in requirements:
        installed = _import_names(requirement)
        assert installed, requirement
        # a stub-only distribution (types-grpcio: `grpc-stubs/`) installs nothing importable
        names = {name for name in installed if name.isidentifier()}
        assert names or all(name.endswith("-stubs") for name in installed), requirement
        assert names <= reserved, f"{requirement}: {sorted(names - reserved)}"
    assert set(sys.stdlib_module_names) <= reserved
    assert {"tests", "k8s", "components"} <= reserved
    assert {"starlette", "pydantic_settings", "grpc", "agents", "pytest"} <= reserved
    assert not {"orders", "triage", "code_review", "debug"} & reserved


@pytest.mark.parametrize("name", ["json", "asyncio", "class", "import"])
def test_the_model_refuses_keywords_and_the_standard_library(name: str) -> None:
    with pytest.raises(ValidationError, match="would shadow a Python module"):
        ServiceSpec(name=name)


def test_the_record_keeps_the_default_port() -> None:
    spec = ServiceSpec(name="orders")
    assert spec.model_dump(mode="json", exclude_defaults=True) == {"name": "orders", "port": 8000}
    assert "port: 8000" in dump_spec_data(spec)


def test_an_adhoc_service_on_the_default_port_runs_under_dev(generated_service: Path) -> None:
    (service,) = find_services([generated_service])
    assert (service.name, service.port) == ("orders", 8000)


def test_adhoc_topics_and_invokes_become_spec_entries_that_round_trip() -> None:
    options = AdhocOptions(
        subscribes=["learning.ask"], publishes=["learning.tell"], invokes=["bill"]
    )
    spec = adhoc_spec("orders", options, declared_features)
    assert [t.topic for t in spec.subscribes] == ["learning.ask"]
    assert [i.app_id for i in spec.invokes] == ["bill"]
    assert [f.value for f in spec.features] == ["pubsub", "invoke"]
    assert parse_spec(dump_spec_data(spec), "orders.yaml") == spec


def test_is_reserved_answers_as_the_derived_set_for_every_name_it_holds_and_others() -> None:
    """Before: `synth new` derived the whole set (the requirement parser over 70 distributions'
    metadata, their RECORDs). After: a name no finder finds is answered from the closure's
    names alone. The oracle is the whole set."""
    reserved = reserved_package_names()
    names = {name for name in reserved if name.isidentifier()}
    installed = {
        (d.metadata["Name"] or "").lower().replace("-", "_").replace(".", "_")
        for d in metadata.distributions()
    }
    others = {"debug", "progress", "triage", "code_review", "orders", "learnflow", "x_service"}
    for name in sorted(names | {n for n in installed if n.isidentifier()} | others):
        assert is_reserved(name) == (name in reserved), name


def test_is_reserved_keeps_the_name_of_a_required_distribution_that_is_not_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    requirements = ("fastapi>=0.110", "surely-not-installed-dist>=1", "other_missing[x]")
    folders = frozenset({"tests"})
    monkeypatch.setattr(reserved, "_requirements_and_folders", lambda: (requirements, folders))
    derived = reserved.reserved_for(requirements, folders)
    for name in ("surely_not_installed_dist", "other_missing", "fastapi", "starlette", "orders"):
        assert is_reserved(name) == (name in derived), name
    assert is_reserved("surely_not_installed_dist") and not is_reserved("orders")
