"""`synth check` and `synth create-topic` through Typer's CliRunner: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import synth.cli.deploy  # noqa: F401  (registers check, create-topic)
from synth.cli.shell import app
from synth.manifests import parse_yaml

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
        "files": [{"path": target.as_posix(), "action": "created"}],
    }
    doc = parse_yaml(target.read_text(), "topic")[0]
    assert doc["spec"]["topicName"] == "code.review-request"
    assert (doc["spec"]["partitions"], doc["spec"]["replicas"]) == (6, 3)


def test_create_topic_refuses_foreign_names(tmp_path: Path) -> None:
    args = ["create-topic", "orders.created", "--partitions", "1", "--replicas", "1"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a LearnFlow topic" in result.output
    assert not (tmp_path / "k8s").exists()
