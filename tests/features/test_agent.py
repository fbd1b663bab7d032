"""The `agent` feature: the four LearnFlow agents pass their own suites, re-applying changes
nothing, the reply rule, and clear refusals."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from synth.api import ServicePlan, compose_service, new_service, runnable_features
from synth.errors import FeatureError
from synth.spec import FeatureName, ServiceSpec
from synth.spec.loading import load_spec
from synth.workspace import Workspace, write_changes

ROOT = Path(__file__).resolve().parents[2]
AGENT_SERVICES = ("concepts", "code-review", "debug", "exercise")


def _spec(name: str) -> ServiceSpec:
    return load_spec(ROOT / "specs" / f"{name}.yaml")


def _after(plan: ServicePlan, path: str) -> str:
    return next(c.after for c in plan.changes.files if c.path == path)


def _function(source: str, name: str) -> str:
    """The source of the top-level function `name` (as black wrote it)."""
    tree = ast.parse(source)
    node = next(
        n
        for n in tree.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name
    )
    return ast.get_source_segment(source, node) or ""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, ServicePlan]]:
    """The four agent services, each with all of its spec's features, written to disk."""
    base = tmp_path_factory.mktemp("agents")
    out: dict[str, tuple[Path, ServicePlan]] = {}
    for name in AGENT_SERVICES:
        spec = _spec(name)
        target = base / name
        plan = new_service(spec, runnable_features(spec), target)
        write_changes(plan.changes, target, replace_root=True)
        out[name] = (target, plan)
    return out


@pytest.fixture(scope="module")
def suites(
    generated: dict[str, tuple[Path, ServicePlan]],
) -> dict[str, subprocess.CompletedProcess[str]]:
    """Each generated suite, run in its own folder; the four run side by side."""
    running = {
        name: subprocess.Popen(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=target,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, (target, _) in generated.items()
    }
    results: dict[str, subprocess.CompletedProcess[str]] = {}
    for name, process in running.items():
        output, _ = process.communicate(timeout=300)
        results[name] = subprocess.CompletedProcess(process.args, process.returncode, output)
    return results


@pytest.mark.slow
@pytest.mark.parametrize("name", AGENT_SERVICES)
def test_the_generated_agent_service_passes_its_own_suite(
    name: str, suites: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    result = suites[name]
    assert result.returncode == 0, result.stdout
    for test in (
        "test_a_conversation_continues_on_another_replica",
        "test_a_model_timeout_is_retried_and_nothing_is_published",
        "test_without_a_key_the_agent_is_disabled_and_says_why",
        "test_model_server_errors_are_classified_not_500",
        "test_the_stored_conversation_is_bounded_in_bytes",
        "test_endless_tool_calls_stop_at_max_turns_as_a_bad_gateway",
    ):
        assert test not in result.stdout  # listed only when it fails
    assert " passed" in result.stdout


@pytest.mark.parametrize("name", AGENT_SERVICES)
def test_the_generated_agent_suite_covers_model_errors_and_history_bounds(
    name: str, generated: dict[str, tuple[Path, ServicePlan]]
) -> None:
    _, plan = generated[name]
    suite = _after(plan, "tests/test_agent.py")
    for test in (
        "test_model_server_errors_are_classified_not_500",
        "test_a_call_of_a_tool_the_agent_lacks_is_a_bad_gateway",
        "test_the_stored_conversation_is_bounded_in_bytes",
        "test_endless_tool_calls_stop_at_max_turns_as_a_bad_gateway",
    ):
        assert f"def {test}(" in suite, test
    assert "AGENT_HISTORY_MAX_BYTES=262144\n" in _after(plan, ".env.example")


@pytest.mark.parametrize("name", AGENT_SERVICES)
def test_applying_the_features_again_changes_nothing(
    name: str, generated: dict[str, tuple[Path, ServicePlan]]
) -> None:
    target, plan = generated[name]
    again = compose_service(plan.spec, plan.features, Workspace(root=target))
    assert again.changes.changed == ()


def test_the_request_topic_handler_calls_the_agent(
    generated: dict[str, tuple[Path, ServicePlan]],
) -> None:
    _, plan = generated["debug"]
    handler = _function(_after(plan, "debug/handlers.py"), "on_code_error_request")
    assert handler.endswith("    await answer_request(event, context, client)")
    assert "from debug.agent import answer_request" in _after(plan, "debug/handlers.py")
    main = _after(plan, "debug/main.py")
    assert main.endswith("app.include_router(agent_router)\n")


def test_the_reply_follows_the_documented_rule(
    generated: dict[str, tuple[Path, ServicePlan]],
) -> None:
    expected = {
        "debug": ("hint=answer", "attempt=0"),
        "code-review": ("feedback=answer", "issues=[]"),
        "concepts": ("explanation=answer", "concept=event.concept"),
        "exercise": (
            "prompt=answer",
            'exercise_id=event.exercise_id if event.exercise_id is not None else ""',
            "passed=None",
        ),
    }
    for name, lines in expected.items():
        _, plan = generated[name]
        reply = _function(_after(plan, f"{plan.spec.package}/agent.py"), "reply_event")
        assert "request_id=event.request_id," in reply
        for line in lines:
            assert f"        {line},\n" in reply, (name, line, reply)


def test_settings_and_dependencies_of_the_agent(
    generated: dict[str, tuple[Path, ServicePlan]],
) -> None:
    _, plan = generated["concepts"]
    settings = _after(plan, "concepts/settings.py")
    assert "    openai_api_key: SecretStr | None = None\n" in settings
    assert "    agent_timeout_seconds: float = 60.0\n" in settings
    assert '"openai-agents>=0.24",' in _after(plan, "pyproject.toml")
    assert "OPENAI_API_KEY=\n" in _after(plan, ".env.example")
    agent = _after(plan, "concepts/agent.py")
    assert "import agents" not in agent and "from agents" not in agent.split('"""', 2)[2]


def test_instructions_enter_the_code_as_a_node(tmp_path: Path) -> None:
    tricky = 'Say "hi" \\ {not_a_slot} """ and\nkeep ' + "going " * 30
    spec = _spec("concepts")
    assert spec.agent is not None
    spec = spec.model_copy(update={"agent": spec.agent.model_copy(update={"instructions": tricky})})
    plan = compose_service(spec, runnable_features(spec), Workspace(root=None))
    runtime = ast.parse(_after(plan, "concepts/agent_runtime.py"))
    value = next(
        n.value
        for n in runtime.body
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "INSTRUCTIONS"
    )
    assert ast.literal_eval(value) == tricky


def test_without_the_agent_feature_the_handler_only_logs() -> None:
    spec = _spec("debug")
    plan = compose_service(spec, [FeatureName.STATE, FeatureName.PUBSUB], Workspace(root=None))
    handler = _function(_after(plan, "debug/handlers.py"), "on_code_error_request")
    assert "answer_request" not in handler and "logger.info(" in handler
    assert all("agent" not in c.path for c in plan.changes.files)


def test_a_service_without_an_agent_in_its_spec_is_refused(tmp_path: Path) -> None:
    spec = _spec("progress")
    with pytest.raises(FeatureError) as caught:
        new_service(spec, [FeatureName.AGENT], tmp_path / "progress")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("service 'progress' has no `agent:` in its spec")


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"response_topic": None}, "needs `request_topic` and `response_topic`"),
        ({"request_topic": "code.not-subscribed"}, "is not in `subscribes:`"),
    ],
)
def test_an_agent_spec_that_cannot_be_wired_is_refused(
    change: dict[str, object], complaint: str, tmp_path: Path
) -> None:
    spec = _spec("debug")
    assert spec.agent is not None
    spec = spec.model_copy(update={"agent": spec.agent.model_copy(update=change)})
    with pytest.raises(FeatureError, match=complaint):
        new_service(spec, [FeatureName.AGENT], tmp_path / "debug")


def test_a_response_without_a_field_for_the_answer_is_refused(tmp_path: Path) -> None:
    spec = _spec("debug")
    response = spec.publishes[0]
    fields = tuple(f for f in response.fields if f.name != "hint")
    spec = spec.model_copy(update={"publishes": (response.model_copy(update={"fields": fields}),)})
    with pytest.raises(FeatureError, match="needs a required str field"):
        new_service(spec, [FeatureName.AGENT], tmp_path / "debug")
