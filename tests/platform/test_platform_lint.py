"""lint-platform rules as before/after: a clean two-service platform, one mutation, one line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from synth.errors import SpecError
from synth.platform.lint import find_platform_findings
from synth.platform.sources import load_spec_sources

Data = list[dict[str, Any]]
Writer = Callable[[Path, object], Path]

# The one finding the LearnFlow specs have today (reported to the lead; specs are not ours).
KNOWN_LEARNFLOW = {
    "specs/progress.yaml: publishes struggle.alert: no service subscribes to it (add a "
    "subscriber, or mark it `external: true` if it leaves the platform)"
}


def _lint(tmp_path: Path, data: Data, write_yaml: Writer) -> list[str]:
    folder = tmp_path / "specs"
    for item in data:
        write_yaml(folder / f"{item['name']}.yaml", item)
    sources = load_spec_sources(folder)
    return [str(f).replace(f"{folder}/", "specs/") for f in find_platform_findings(sources)]


def test_two_service_platform_is_clean(
    tmp_path: Path, two_service_data: Data, write_yaml: Writer
) -> None:
    assert _lint(tmp_path, two_service_data, write_yaml) == []


def test_subscribed_topic_without_publisher(
    tmp_path: Path, two_service_data: Data, write_yaml: Writer
) -> None:
    two_service_data[1]["publishes"] = []
    assert _lint(tmp_path, two_service_data, write_yaml) == [
        "specs/asker.yaml: subscribes learning.answer: no service publishes it (add a publisher, "
        "or mark it `external: true`)"
    ]


def test_external_subscription_needs_no_publisher(
    tmp_path: Path, two_service_data: Data, write_yaml: Writer
) -> None:
    two_service_data[1]["publishes"] = []
    two_service_data[0]["subscribes"][0]["external"] = True
    assert _lint(tmp_path, two_service_data, write_yaml) == []


def test_published_topic_without_subscriber(
    tmp_path: Path, two_service_data: Data, write_yaml: Writer
) -> None:
    two_service_data[0]["subscribes"] = []
    assert _lint(tmp_path, two_service_data, write_yaml) == [
        "specs/answerer.yaml: publishes learning.answer: no service subscribes to it (add a "
        "subscriber, or mark it `external: true` if it leaves the platform)"
    ]


def test_topic_outside_learnflow_namespaces(
    tmp_path: Path, two_service_data: Data, write_yaml: Writer
) -> None:
    two_service_data[0]["publishes"][0]["topic"] = "orders.created"
    two_service_data[1]["subscribes"][0]["topic"] = "orders.created"
    why = "not a LearnFlow topic; use learning.*, code.*, exercise.*, struggle.*"
    assert _lint(tmp_path, two_service_data, write_yaml) == [
        f"specs/answerer.yaml: subscribes orders.created: {why}",
        f"specs/asker.yaml: publishes orders.created: {why}",
    ]


@pytest.mark.parametrize(
    ("change", "difference"),
    [
        ({"name": "text", "type": "int"}, "field text is int, not str"),
        ({"name": "text", "optional": True}, "field text is optional here"),
        ({"name": "body"}, "extra field body; missing field text"),
    ],
)
def test_subscriber_payload_differs_from_publisher(
    tmp_path: Path,
    two_service_data: Data,
    write_yaml: Writer,
    change: dict[str, Any],
    difference: str,
) -> None:
    two_service_data[1]["subscribes"][0]["fields"][1] = change
    assert _lint(tmp_path, two_service_data, write_yaml) == [
        "specs/answerer.yaml: subscribes learning.question: payload differs from "
        f"specs/asker.yaml ({difference})"
    ]


def test_field_order_is_not_a_difference(
    tmp_path: Path, two_service_data: Data, write_yaml: Writer
) -> None:
    two_service_data[1]["subscribes"][0]["fields"].reverse()
    assert _lint(tmp_path, two_service_data, write_yaml) == []


def test_invoked_app_id_must_exist(
    tmp_path: Path, two_service_data: Data, write_yaml: Writer
) -> None:
    two_service_data[0]["invokes"] = [{"app_id": "answerer"}, {"app_id": "grader"}]
    assert _lint(tmp_path, two_service_data, write_yaml) == [
        "specs/asker.yaml: invokes grader: no spec has that name; add its spec or fix the app id"
    ]


def test_spec_name_must_match_its_file(
    tmp_path: Path, two_service_data: Data, write_yaml: Writer
) -> None:
    folder = tmp_path / "specs"
    write_yaml(folder / "asker.yaml", two_service_data[0])
    write_yaml(folder / "reply.yaml", two_service_data[1])
    findings = [str(f) for f in find_platform_findings(load_spec_sources(folder))]
    assert findings == [
        f"{folder}/reply.yaml: name answerer: the file is reply.yaml; rename it answerer.yaml so "
        "synth can find it"
    ]


@pytest.mark.parametrize("problem", ["missing", "empty", "invalid"])
def test_bad_input_is_a_spec_error(tmp_path: Path, write_yaml: Writer, problem: str) -> None:
    folder = tmp_path / "specs"
    if problem != "missing":
        folder.mkdir()
    if problem == "invalid":
        write_yaml(folder / "broken.yaml", {"name": "Broken Name"})
    with pytest.raises(SpecError, match=str(folder)):
        load_spec_sources(folder)


def test_learnflow_specs_have_only_the_known_finding(
    real_specs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(real_specs.parent)
    findings = {str(f) for f in find_platform_findings(load_spec_sources(Path("specs")))}
    assert findings <= KNOWN_LEARNFLOW
