"""Properties of every generated service, over feature subsets, fuzzed names and key templates.

Every `.py` compiles and is black-stable, ruff passes under the service's own config (the
pipeline's gate; checked again here), the app imports and `/health` answers 200; for a sample,
the service's own test suite passes.
"""

from __future__ import annotations

import importlib
import itertools
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from synth.api import new_service
from synth.features.registry import available_features
from synth.quality import is_black_stable, ruff_check_tree
from synth.spec import (
    AgentSpec,
    FeatureName,
    FieldSpec,
    FieldType,
    ServiceSpec,
    StateKeySpec,
    TopicSpec,
    load_spec,
)
from synth.workspace import write_changes

OPTIONAL = sorted(n for n, f in available_features().items() if not f.always)
SUBSETS = [
    list(combo)
    for size in range(len(OPTIONAL) + 1)
    for combo in itertools.combinations(OPTIONAL, size)
]

names = st.from_regex(r"[a-z][a-z0-9]{1,7}(-[a-z][a-z0-9]{0,4}){0,2}", fullmatch=True)
literals = st.from_regex(r"[a-z][a-z0-9_.:-]{0,10}", fullmatch=True)
placeholders = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
field_types = st.sampled_from(list(FieldType))


@st.composite
def key_templates(draw: st.DrawFn) -> str:
    prefix = draw(literals)
    params = draw(st.lists(placeholders, max_size=2, unique=True))
    return prefix + "".join(f":{{{p}}}" for p in params)


def _agent_parts(name: str) -> dict[str, object]:
    """Topics and an agent for a fuzzed service (the agent feature needs both)."""
    common = [
        FieldSpec(name="request_id"),
        FieldSpec(name="user_id"),
        FieldSpec(name="session_id"),
    ]
    request, response = f"learning.{name}-ask", f"learning.{name}-answer"
    return {
        "subscribes": (TopicSpec(topic=request, fields=(*common, FieldSpec(name="question"))),),
        "publishes": (TopicSpec(topic=response, fields=(*common, FieldSpec(name="answer"))),),
        "agent": AgentSpec(
            instructions='Answer "briefly" {and} kindly \\ .',
            request_topic=request,
            response_topic=response,
        ),
    }


@st.composite
def specs(draw: st.DrawFn) -> ServiceSpec:
    name = draw(names)
    keys = draw(st.lists(key_templates(), min_size=1, max_size=3, unique=True))
    try:
        return ServiceSpec(
            **_agent_parts(name),  # type: ignore[arg-type]
            name=name,
            state=tuple(
                StateKeySpec(
                    key=key,
                    fields=(
                        FieldSpec(
                            name="value", type=draw(field_types), optional=draw(st.booleans())
                        ),
                    ),
                )
                for key in keys
            ),
        )
    except ValueError:
        from hypothesis import reject

        reject()


@contextmanager
def _imported(root: Path, package: str) -> Iterator[object]:
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(f"{package}.main")
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
            del sys.modules[name]


def _check_service(spec: ServiceSpec, features: list[FeatureName], root: Path) -> None:
    plan = new_service(spec, features, root)
    files = {c.path: c.after for c in plan.changes.files}
    python = {p: s for p, s in files.items() if p.endswith(".py")}
    for path, source in python.items():
        compile(source, path, "exec")
        assert is_black_stable(source), path
    assert ruff_check_tree(python, files["pyproject.toml"]) == []
    write_changes(plan.changes, root, replace_root=True)
    with _imported(root, spec.package) as main:
        response = TestClient(main.app).get("/health")  # type: ignore[attr-defined]
        assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize("features", SUBSETS, ids=lambda f: "+".join(f) or "base")
@settings(
    max_examples=2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: examples are slow
)
@given(spec=specs())
def test_every_output_compiles_passes_gates_imports_and_boots(
    tmp_path_factory: pytest.TempPathFactory, features: list[FeatureName], spec: ServiceSpec
) -> None:
    _check_service(spec, features, tmp_path_factory.mktemp("svc") / spec.name)


SAMPLE = [[], *([name] for name in OPTIONAL), OPTIONAL] if OPTIONAL else [[]]


@pytest.mark.slow
@pytest.mark.parametrize("features", SAMPLE, ids=lambda f: "+".join(f) or "base")
def test_generated_test_suite_passes(
    tmp_path: Path, specs_dir: Path, features: list[FeatureName]
) -> None:
    data = load_spec(specs_dir / "concepts.yaml").model_dump()
    data["invokes"] = [{"app_id": "progress", "methods": ["summary"], "get_methods": ["summary"]}]
    spec = ServiceSpec.model_validate(data)
    root = tmp_path / "concepts"
    write_changes(new_service(spec, features, root).changes, root, replace_root=True)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
