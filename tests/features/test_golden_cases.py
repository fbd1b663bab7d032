"""Golden cases per feature: a spec in, the files the feature writes out, applied twice.

Each case is a folder `tests/features/cases/<feature>/<case>/`:

    spec.yaml     a service spec; its `features:` list holds the features the service has
    expected/     every file the feature creates or changes, byte for byte, at its service path

Before = the service generated from the spec without `<feature>` (and without what requires it);
after = `add-feature <feature>` on it. The files that differ between the two must be exactly
the `expected/` files (same set, same bytes), and adding the feature a second time changes
nothing. An always-on feature (app, health) has no "before": its case is `synth new` of the
spec, and `expected/` holds the Python files it contributes to (as the others have them).

`SYNTH_UPDATE_GOLDEN=1 pytest tests/features/test_golden_cases.py` rewrites `expected/` from
what synth generates now; review the diff like any other change.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from synth.api import new_service
from synth.features.registry import available_features, plan_features
from synth.grow import add_features
from synth.spec import FeatureName, ServiceSpec, load_spec
from synth.workspace import write_changes

CASES = Path(__file__).resolve().parent / "cases"
_IGNORED = frozenset({"synth.yaml", ".synth/base.json"})


def _cases() -> list[Path]:
    return sorted(p for p in CASES.glob("*/*") if (p / "spec.yaml").is_file())


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _without(spec: ServiceSpec, feature: FeatureName) -> list[FeatureName]:
    """The spec's features minus `feature` and everything that requires it."""
    kept = [f for f in spec.features if f != feature]
    while True:
        closure = {f.name for f in plan_features(kept)}
        if feature not in closure:
            return kept
        kept = [f for f in kept if feature not in {p.name for p in plan_features([f])}]


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> dict[str, bytes]:
    return {
        path: content
        for path, content in after.items()
        if path not in _IGNORED and before.get(path) != content
    }


def _generate(case: Path, work: Path) -> dict[str, bytes]:
    feature = FeatureName(case.parent.name)
    spec = load_spec(case / "spec.yaml")
    root = work / spec.name
    if available_features()[feature].always:
        plan = new_service(spec, list(spec.features), root)
        write_changes(plan.changes, root, replace_root=True)
        owned = available_features()[feature].contribute(spec, frozenset(plan.features)).python
        return {p: c for p, c in _tree(root).items() if p in owned}
    write_changes(new_service(spec, _without(spec, feature), root).changes, root, replace_root=True)
    before = _tree(root)
    added = add_features(root, [feature])
    assert added.conflicts == ()
    write_changes(added.changes, root)
    after = _tree(root)
    again = add_features(root, [feature])
    write_changes(again.changes, root)
    assert _tree(root) == after, "adding the feature a second time changed files"
    return _changed(before, after)


def _expected(case: Path) -> dict[str, bytes]:
    return _tree(case / "expected") if (case / "expected").is_dir() else {}


def test_every_feature_has_a_golden_case() -> None:
    assert {c.parent.name for c in _cases()} >= {f.value for f in available_features()}


@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"{c.parent.name}/{c.name}")
def test_golden_case(case: Path, tmp_path: Path) -> None:
    produced = _generate(case, tmp_path)
    if os.environ.get("SYNTH_UPDATE_GOLDEN"):
        shutil.rmtree(case / "expected", ignore_errors=True)
        for path, content in produced.items():
            target = case / "expected" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    expected = _expected(case)
    assert sorted(produced) == sorted(expected)
    for path, content in produced.items():
        assert content.decode() == expected[path].decode(), path
