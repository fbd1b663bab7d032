"""The `invoke` feature: typed invocation clients, their generated suite, and idempotency."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from synth.api import ServicePlan, compose_service, new_service
from synth.features.invoke import InvokeFeature
from synth.spec import FeatureName, InvokeSpec, ServiceSpec
from synth.workspace import Workspace, write_changes

SPEC = ServiceSpec.model_validate(
    {
        "name": "coach",
        "invokes": [
            {
                "app_id": "progress",
                "methods": ["summary", "reset", "class"],
                "get_methods": ["summary"],
            },
            {"app_id": "code-review", "methods": ["review"]},
        ],
    }
)


@pytest.fixture(scope="module")
def coach(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ServicePlan]:
    target = tmp_path_factory.mktemp("invoke") / "coach"
    plan = new_service(SPEC, [FeatureName.INVOKE], target)
    write_changes(plan.changes, target, replace_root=True)
    return target, plan


def _after(plan: ServicePlan, path: str) -> str:
    return next(c.after for c in plan.changes.files if c.path == path)


@pytest.mark.slow
def test_generated_service_passes_its_own_suite(coach: tuple[Path, ServicePlan]) -> None:
    target, _ = coach
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_invoked_app_gets_a_client_with_one_method_per_spec_method(
    coach: tuple[Path, ServicePlan],
) -> None:
    _, plan = coach
    expected = textwrap.dedent('''
        class CodeReviewClient:
            """Calls the `code-review` service through Dapr service invocation."""

            app_id = "code-review"

            def __init__(self, client: DaprClient) -> None:
                self.client = client

            async def review(self, body: BaseModel | None = None) -> InvokeResult:
                """POST `code-review/review`.

                The call is not retried.
                """
                return await invoke(self.client, self.app_id, "review", verb="POST", body=body)
        ''')
    invocation = _after(plan, "coach/invocation.py")
    assert invocation.endswith(expected)
    assert "    async def summary(self, body: BaseModel | None = None)" in invocation
    assert 'self.app_id, "summary", verb="GET"' in invocation
    assert "    async def class_(self, body" in invocation
    assert "    invoke_timeout_seconds: int = 10\n" in _after(plan, "coach/settings.py")
    assert '"aiohttp>=3.9"' in _after(plan, "pyproject.toml")


def test_applying_the_feature_again_changes_nothing(coach: tuple[Path, ServicePlan]) -> None:
    target, _ = coach
    again = compose_service(SPEC, [FeatureName.INVOKE], Workspace(root=target))
    assert again.changes.changed == ()


def test_a_new_method_is_added_to_the_existing_client(coach: tuple[Path, ServicePlan]) -> None:
    target, _ = coach
    progress = SPEC.invokes[0].model_copy(update={"methods": (*SPEC.invokes[0].methods, "undo")})
    grown = SPEC.model_copy(update={"invokes": (progress, SPEC.invokes[1])})
    plan = compose_service(grown, [FeatureName.INVOKE], Workspace(root=target))
    changed = {c.path for c in plan.changes.changed if c.path.endswith(".py")}
    assert changed == {"coach/invocation.py", "tests/test_invoke.py"}
    assert plan.python.added == {"coach/invocation.py": 1, "tests/test_invoke.py": 1}


def test_a_service_that_invokes_nothing_gets_nothing() -> None:
    spec = ServiceSpec(name="quiet")
    assert InvokeFeature().contribute(spec, frozenset({FeatureName.APP})).python == {}


def test_get_methods_must_be_methods() -> None:
    with pytest.raises(ValidationError, match="not a method of progress"):
        InvokeSpec(app_id="progress", methods=("reset",), get_methods=("summary",))
