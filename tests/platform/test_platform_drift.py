"""Drift: a generated service's recorded spec (out/<name>/synth.yaml) against its spec file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from synth.platform.drift import find_drift
from synth.platform.sources import load_spec_sources
from synth.spec import ServiceSpec

Data = list[dict[str, Any]]
Writer = Callable[[Path, object], Path]


def _record(out: Path, data: dict[str, Any], write_yaml: Writer, features: list[str]) -> Path:
    spec = ServiceSpec.model_validate(data).model_dump(mode="json")
    return write_yaml(out / data["name"] / "synth.yaml", {"spec": spec, "features": features})


def _drift(specs_dir: Path, out: Path) -> list[str]:
    return [str(d) for d in find_drift(load_spec_sources(specs_dir), out)]


def test_no_out_folder_is_no_drift(specs_dir: Path, tmp_path: Path) -> None:
    assert _drift(specs_dir, tmp_path / "out") == []


def test_service_folder_without_record_is_no_drift(specs_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "out" / "asker").mkdir(parents=True)
    assert _drift(specs_dir, tmp_path / "out") == []


def test_matching_record_is_no_drift(
    specs_dir: Path, tmp_path: Path, two_service_data: Data, write_yaml: Writer
) -> None:
    for data in two_service_data:
        _record(tmp_path / "out", data, write_yaml, ["app", "health", "pubsub"])
    assert _drift(specs_dir, tmp_path / "out") == []


def test_always_on_features_are_not_drift(
    specs_dir: Path, tmp_path: Path, two_service_data: Data, write_yaml: Writer
) -> None:
    two_service_data[0]["features"] = ["app", "health"]
    _record(tmp_path / "out", two_service_data[0], write_yaml, ["app", "health"])
    assert _drift(specs_dir, tmp_path / "out") == []


def test_changed_record_names_the_keys_that_differ(
    specs_dir: Path, tmp_path: Path, two_service_data: Data, write_yaml: Writer
) -> None:
    changed = two_service_data[1]
    changed["port"] = 9000
    changed["publishes"][0]["fields"].append({"name": "score", "type": "float"})
    record = _record(tmp_path / "out", changed, write_yaml, ["app"])
    assert _drift(specs_dir, tmp_path / "out") == [
        f"{record}: differs from {specs_dir}/answerer.yaml: port, publishes"
    ]


def test_generated_service_without_spec(
    specs_dir: Path, tmp_path: Path, two_service_data: Data, write_yaml: Writer
) -> None:
    stray = dict(two_service_data[0], name="stray")
    record = _record(tmp_path / "out", stray, write_yaml, [])
    assert _drift(specs_dir, tmp_path / "out") == [
        f"{record}: not in specs: no spec file for service stray; add one or remove the service"
    ]


def test_unreadable_record(specs_dir: Path, tmp_path: Path, write_yaml: Writer) -> None:
    record = write_yaml(tmp_path / "out" / "asker" / "synth.yaml", {"features": []})
    assert _drift(specs_dir, tmp_path / "out") == [f"{record}: unreadable: has no `spec:` mapping"]
