"""The laws of add-feature and remove-feature, property-tested with Hypothesis.

- add twice = add once;
- new A,B == new A + add B == new B + add A, byte for byte, for every pair and triple;
- add F then remove F restores every file's bytes;
- hand edits (comments, statements, YAML values, dependencies, README, env) survive add and
  remove, byte for byte.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from synth.api import new_service
from synth.features.registry import available_features
from synth.grow import add_features, remove_feature
from synth.spec import FeatureName, InvokeSpec, ServiceSpec, load_spec
from synth.workspace import write_changes

SPECS = Path(__file__).resolve().parents[2] / "specs"
OPTIONAL = sorted(n for n, f in available_features().items() if not f.always)


def _spec() -> ServiceSpec:
    data = load_spec(SPECS / "debug.yaml").model_dump()
    data["invokes"] = [InvokeSpec(app_id="progress", methods=("progress",)).model_dump()]
    return ServiceSpec.model_validate(data)


SPEC = _spec()


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _new(root: Path, features: list[FeatureName]) -> Path:
    write_changes(new_service(SPEC, features, root).changes, root, replace_root=True)
    return root


def _add(root: Path, features: list[FeatureName]) -> None:
    result = add_features(root, features)
    assert result.conflicts == ()
    write_changes(result.changes, root)


def _closure(features: list[FeatureName]) -> set[FeatureName]:
    from synth.features.registry import plan_features

    return {f.name for f in plan_features(features)}


SETS = [list(combo) for size in (2, 3) for combo in itertools.combinations(OPTIONAL, size)]


@pytest.mark.parametrize("features", SETS, ids=lambda f: "+".join(f))
def test_new_with_all_equals_new_with_one_plus_add_the_rest(
    tmp_path: Path, features: list[FeatureName]
) -> None:
    whole = _tree(_new(tmp_path / "whole" / "debug", features))
    for first in features:
        root = _new(tmp_path / f"from-{first}" / "debug", [first])
        _add(root, [f for f in features if f != first])
        assert _tree(root) == whole, f"new {first} + add the rest differs from new {features}"


@pytest.mark.parametrize("feature", OPTIONAL)
def test_add_twice_is_add_once(tmp_path: Path, feature: FeatureName) -> None:
    root = _new(tmp_path / "debug", [])
    _add(root, [feature])
    again = add_features(root, [feature])
    assert again.changes.changed == ()


def _append_route(root: Path) -> None:
    main = root / "debug" / "main.py"
    main.write_text(
        main.read_text()
        + '\n\n@app.get("/owner/stats")\nasync def owner_stats() -> dict[str, int]:\n'
        + '    """The owner\'s own route."""\n    return {"hints": 0}\n'
    )


def _comment_settings(root: Path) -> None:
    settings_file = root / "debug" / "settings.py"
    text = settings_file.read_text()
    settings_file.write_text(
        text.replace("class Settings(", "# tuned by the owner\nclass Settings(", 1)
    )


def _new_function(root: Path) -> None:
    logs = root / "debug" / "logs.py"
    logs.write_text(logs.read_text() + "\n\ndef owner_helper() -> str:\n    return 'mine'\n")


def _yaml_value(root: Path) -> None:
    deployment = root / "k8s" / "base" / "deployment.yaml"
    text = deployment.read_text()
    deployment.write_text(
        text.replace("revisionHistoryLimit: 5", "revisionHistoryLimit: 4  # owner: fewer", 1)
    )


def _extra_dependency(root: Path) -> None:
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(
        text.replace('"uvicorn>=0.50",', '"uvicorn>=0.50",\n    "orjson>=3.10",', 1)
    )


def _readme_note(root: Path) -> None:
    with (root / "README.md").open("a") as readme:
        readme.write("\nOwner's note: page the on-call tutor when hints stall.\n")


def _env_value(root: Path) -> None:
    env = root / ".env.example"
    env.write_text(env.read_text().replace("LOG_LEVEL=INFO", "LOG_LEVEL=DEBUG", 1))


EDITS: dict[str, Callable[[Path], None]] = {
    "route": _append_route,
    "comment": _comment_settings,
    "function": _new_function,
    "yaml": _yaml_value,
    "dependency": _extra_dependency,
    "readme": _readme_note,
    "env": _env_value,
}


@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: each example is slow
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    base=st.sets(st.sampled_from(OPTIONAL), max_size=2),
    feature=st.sampled_from(OPTIONAL),
    edits=st.sets(st.sampled_from(sorted(EDITS)), max_size=4),
)
def test_add_then_remove_restores_every_byte_and_keeps_hand_edits(
    tmp_path_factory: pytest.TempPathFactory,
    base: set[FeatureName],
    feature: FeatureName,
    edits: set[str],
) -> None:
    base_features = sorted(_closure(sorted(base)) - {FeatureName.APP, FeatureName.HEALTH})
    if feature in base_features or feature in _needed_by(base_features):
        return
    root = _new(tmp_path_factory.mktemp("svc") / "debug", base_features)
    for edit in sorted(edits):
        EDITS[edit](root)
    before = _tree(root)
    _add(root, [feature])
    added = _closure([*base_features, feature]) - _closure(base_features)
    for extra in _removal_order(added):
        result = remove_feature(root, extra, force=False)
        assert result.conflicts == (), result.conflicts
        write_changes(result.changes, root)
    assert _tree(root) == before


def _needed_by(features: list[FeatureName]) -> set[FeatureName]:
    return _closure(features)


def _removal_order(added: set[FeatureName]) -> list[FeatureName]:
    from synth.features.registry import plan_features

    return [f.name for f in reversed(plan_features(sorted(added))) if f.name in added]


def test_remove_refuses_when_the_owner_changed_a_unit_and_writes_nothing(tmp_path: Path) -> None:
    root = _new(tmp_path / "debug", [FeatureName.STATE])
    state = root / "debug" / "state.py"
    text = state.read_text()
    edited = text.replace(
        'return f"attempts:{user_id}"', 'return f"attempts:v2:{user_id}"  # owner changed', 1
    )
    state.write_text(edited)
    result = remove_feature(root, FeatureName.STATE, force=False)
    assert [(c.path, c.key) for c in result.conflicts] == [("debug/state.py", "def:attempts_key")]
    line = edited[: edited.index("def attempts_key")].count("\n") + 1
    assert result.conflicts[0].line <= line


def test_an_owner_who_deleted_the_app_gets_a_refusal_not_a_broken_service(
    tmp_path: Path,
) -> None:
    from synth.errors import MergeError

    root = _new(tmp_path / "debug", [FeatureName.STATE])
    main = root / "debug" / "main.py"
    text = main.read_text()
    start = text.index("app = FastAPI(")
    end = text.index(")\n", start) + 2
    main.write_text(text[:start] + "application = None\n" + text[end:])
    before = _tree(root)
    with pytest.raises(MergeError, match="imports app from debug.main"):
        add_features(root, [FeatureName.PUBSUB])
    assert _tree(root) == before


def test_a_folder_without_a_record_is_refused(tmp_path: Path) -> None:
    from synth.errors import TargetError

    shutil.copytree(SPECS, tmp_path / "specs")
    with pytest.raises(TargetError, match="not a synth service"):
        add_features(tmp_path / "specs", [FeatureName.STATE])
