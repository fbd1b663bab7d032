"""`synth check` and `synth create-topic` through Typer's CliRunner: output and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import synth.cli.deploy  # noqa: F401  (registers check, create-topic)
from synth.cli.shell import app
from synth.manifests import parse_yaml
from tests.tools import require

from .samples import learnflow_spec, write_python_service

runner = CliRunner()


def _service(tmp_path: Path) -> Path:
    return write_python_service(tmp_path / "triage", learnflow_spec("triage"))


def test_check_clean_service_exits_0(tmp_path: Path) -> None:
    root = _service(tmp_path)
    result = runner.invoke(app, ["check", str(root)])
    assert (result.exit_code, result.output) == (0, f"{root}: no findings\n")


def test_check_json_reports_findings_and_exits_1(tmp_path: Path) -> None:
    root = _service(tmp_path)
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("USER 10001:10001\n", ""))
    result = runner.invoke(app, ["check", str(root), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "ok": True,
        "path": str(root),
        "status": "findings",
        "findings": [
            {
                "file": "Dockerfile",
                "what": "the final stage never sets USER, so the app runs as root",
                "why": "a container escape would be root",
            }
        ],
    }
    assert result.stdout.count("\n") == 1  # one compact line


def test_check_unusable_input_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert "no synth service here" in result.output


def test_create_topic_writes_a_kafka_topic(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["create-topic", "code.review-request", "--partitions", "6", "--replicas", "3"]
    result = runner.invoke(app, [*args, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    target = out / "k8s" / "topics" / "code-review-request.yaml"
    assert json.loads(result.stdout) == {
        "ok": True,
        "status": "ok",
        "path": target.as_posix(),
        "files": [
            {"path": target.as_posix(), "action": "created"},
            {"path": (target.parent / "kustomization.yaml").as_posix(), "action": "created"},
        ],
    }
    doc = parse_yaml(target.read_text(), "topic")[0]
    assert doc["apiVersion"] == "kafka.strimzi.io/v1"  # Strimzi serves no other version
    assert doc["spec"]["topicName"] == "code.review-request"
    assert (doc["spec"]["partitions"], doc["spec"]["replicas"]) == (6, 3)
    index = parse_yaml((out / "k8s" / "topics" / "kustomization.yaml").read_text(), "k")[0]
    assert (index["namespace"], index["resources"]) == ("kafka", ["code-review-request.yaml"])


def test_create_topic_adds_to_an_existing_kustomization_once(tmp_path: Path) -> None:
    topics = tmp_path / "k8s" / "topics"
    topics.mkdir(parents=True)
    (topics / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "namespace: kafka\nresources:\n  - learning-query.yaml  # the owner's\n"
    )
    args = ["create-topic", "learning.hint", "--partitions", "6", "--replicas", "3"]
    assert runner.invoke(app, [*args, "--out", str(tmp_path)]).exit_code == 0
    assert (
        (topics / "kustomization.yaml")
        .read_text()
        .endswith("resources:\n  - learning-query.yaml  # the owner's\n  - learning-hint.yaml\n")
    )


def test_create_topic_refuses_to_overwrite_a_topic(tmp_path: Path) -> None:
    args = ["create-topic", "learning.hint", "--partitions", "6", "--replicas", "3"]
    assert runner.invoke(app, [*args, "--out", str(tmp_path)]).exit_code == 0
    target = tmp_path / "k8s" / "topics" / "learning-hint.yaml"
    target.write_text(target.read_text().replace("partitions: 6", "partitions: 12"))
    before = target.read_text()
    result = runner.invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "the topic exists" in result.output
    assert target.read_text() == before


def test_create_topic_dry_run_prints_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    args = ["create-topic", "learning.hint", "--partitions", "6", "--replicas", "3"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "+++ b/" in result.output and "+  topicName: learning.hint" in result.output
    assert "+  - learning-hint.yaml" in result.output
    assert list(tmp_path.iterdir()) == []


def test_create_topic_refuses_foreign_names(tmp_path: Path) -> None:
    args = ["create-topic", "orders.created", "--partitions", "1", "--replicas", "1"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a LearnFlow topic" in result.output
    assert not (tmp_path / "k8s").exists()


def test_check_builds_each_overlay_with_kustomize(tmp_path: Path) -> None:
    require(shutil.which("kubectl") is not None, "kubectl")
    root = _service(tmp_path)
    patch = root / "k8s" / "overlays" / "prod" / "deployment-patch.yaml"
    patch.write_text(patch.read_text().replace("namespace: learnflow", "namespace: default"))
    result = runner.invoke(app, ["check", str(root)])
    assert result.exit_code == 1
    assert "k8s/overlays/prod: kustomize cannot build it: " in result.output
    assert "no matches for Id Deployment.v1.apps/triage.default" in result.output


def test_check_finds_an_overlay_without_its_dapr_configuration(tmp_path: Path) -> None:
    require(shutil.which("kubectl") is not None, "kubectl")
    root = _service(tmp_path)
    base = root / "k8s" / "base" / "kustomization.yaml"
    base.write_text(base.read_text().replace("  - dapr-configuration.yaml\n", ""))
    result = runner.invoke(app, ["check", str(root)])
    assert (
        "k8s/overlays/prod: the built overlay has no Configuration triage-config "
        "(named by dapr.io/config)"
    ) in result.output


def test_check_says_when_kubectl_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _service(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = runner.invoke(app, ["check", str(root)])
    assert "note: kubectl is not on PATH: overlays were not built" in result.stderr
