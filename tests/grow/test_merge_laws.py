"""Laws of the three-way merge over random owner edits (Hypothesis).

Edits: a comment line or an owner statement inserted at a random statement boundary, a unit
deleted (a YAML annotation, a README section, an env entry), a file reformatted at another
line length, a file turned CRLF. Laws:

- no silent loss: a command either writes and every owner-added line is still there, or
  refuses and writes nothing;
- add F then remove F gives back the owner's tree, byte for byte;
- add twice = add once;
- upgrade with no change in synth = no change.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Callable
from pathlib import Path

import black
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from synth.api import new_service
from synth.errors import MergeError
from synth.grow import GrowthResult, add_features, remove_feature, upgrade_service
from synth.spec import FeatureName, load_spec
from synth.workspace import write_changes

SPECS = Path(__file__).resolve().parents[2] / "specs"
SPEC = load_spec(SPECS / "debug.yaml")
PYTHON = ("main.py", "settings.py", "state.py", "logs.py", "health.py", "dapr_client.py")
_MADE: dict[str, Path] = {}
_BASE_FEATURES = (FeatureName.STATE,)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _service(factory: pytest.TempPathFactory) -> Path:
    if "state" not in _MADE:
        made = factory.mktemp("made") / "debug"
        plan = new_service(SPEC, [FeatureName.STATE], made)
        write_changes(plan.changes, made, replace_root=True)
        _MADE["state"] = made
    root = factory.mktemp("svc") / "debug"
    shutil.copytree(_MADE["state"], root)
    return root


def _boundaries(source: str) -> list[tuple[int, int]]:
    """(line index, indent) of every statement start (nested ones too)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.stmt):
            start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            found.append((start - 1, node.col_offset))
    return sorted(set(found))


def comment(root: Path, file: str, pick: int, tag: str) -> list[str]:
    path = root / "debug" / file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index, indent = _boundaries("".join(lines))[pick % len(_boundaries("".join(lines)))]
    added = " " * indent + f"# owner {tag}: keep this note\n"
    lines.insert(index, added)
    path.write_text("".join(lines), encoding="utf-8")
    return [added.strip()]


def statement(root: Path, file: str, pick: int, tag: str) -> list[str]:
    path = root / "debug" / file
    source = path.read_text(encoding="utf-8")
    tops = [
        min([n.lineno, *(d.lineno for d in getattr(n, "decorator_list", []))]) - 1
        for n in ast.parse(source).body[1:]
        if not isinstance(n, ast.ImportFrom | ast.Import)
    ]
    lines = source.splitlines(keepends=True)
    if not tops:
        return []
    index = tops[pick % len(tops)]
    added = f"OWNER_{tag.upper()} = {pick}\n"
    lines.insert(index, added + "\n\n")
    path.write_text("".join(lines), encoding="utf-8")
    return [added.strip()]


def reformat(root: Path, file: str, pick: int, tag: str) -> list[str]:
    path = root / "debug" / file
    source = path.read_text(encoding="utf-8")
    mode = black.Mode(line_length=60 + pick % 20)
    path.write_text(black.format_str(source, mode=mode), encoding="utf-8")
    return []


def crlf(root: Path, file: str, pick: int, tag: str) -> list[str]:
    path = root / "debug" / file
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    return []


def delete_annotation(root: Path, file: str, pick: int, tag: str) -> list[str]:
    path = root / "k8s/base/deployment.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    annotations = [i for i, line in enumerate(lines) if line.strip().startswith("dapr.io/")]
    del lines[annotations[pick % len(annotations)]]
    path.write_text("".join(lines), encoding="utf-8")
    return []


def delete_env(root: Path, file: str, pick: int, tag: str) -> list[str]:
    path = root / ".env.example"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    entries = [i for i, line in enumerate(lines) if "=" in line and not line.startswith("#")]
    del lines[entries[pick % len(entries)]]
    path.write_text("".join(lines), encoding="utf-8")
    return []


EDITS: dict[str, Callable[[Path, str, int, str], list[str]]] = {
    "comment": comment,
    "statement": statement,
    "reformat": reformat,
    "crlf": crlf,
    "delete_annotation": delete_annotation,
    "delete_env": delete_env,
}
edits = st.lists(
    st.tuples(st.sampled_from(sorted(EDITS)), st.sampled_from(PYTHON), st.integers(0, 400)),
    min_size=1,
    max_size=4,
)
LAWS = settings(
    max_examples=8,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _apply(root: Path, chosen: list[tuple[str, str, int]]) -> list[str]:
    owner_lines: list[str] = []
    for number, (kind, file, pick) in enumerate(chosen):
        owner_lines.extend(EDITS[kind](root, file, pick, f"e{number}"))
    return owner_lines


def _written(result: GrowthResult, root: Path, owner_lines: list[str]) -> bool:
    """Write a result that has no conflicts; then every owner line must still be there."""
    if result.conflicts:
        return False
    write_changes(result.changes, root)
    text = "\n".join(
        p.read_text(encoding="utf-8") for p in root.rglob("*.py") if "__pycache__" not in p.parts
    )
    lost = [line for line in owner_lines if line not in text]
    assert lost == [], f"owner lines lost: {lost}"
    return True


@pytest.mark.slow
@LAWS
@given(chosen=edits, feature=st.sampled_from([FeatureName.PUBSUB, FeatureName.AGENT]))
def test_add_then_remove_is_identity_and_nothing_is_lost(
    tmp_path_factory: pytest.TempPathFactory,
    chosen: list[tuple[str, str, int]],
    feature: FeatureName,
) -> None:
    root = _service(tmp_path_factory)
    owner_lines = _apply(root, chosen)
    edited = _tree(root)
    try:
        added = add_features(root, [feature])
    except MergeError:
        assert _tree(root) == edited  # refused before writing anything
        return
    if not _written(added, root, owner_lines):
        assert _tree(root) == edited
        return
    again = add_features(root, [feature])
    assert again.conflicts == () and again.changes.changed == ()
    for extra in [
        f for f in reversed(added.features) if f not in (*_BASE_FEATURES, "app", "health")
    ]:
        removed = remove_feature(root, extra, force=False)
        assert removed.conflicts == (), removed.conflicts
        write_changes(removed.changes, root)
    after = _tree(root)
    for path in set(edited) | set(after):
        if path in (".synth/base.json", "synth.yaml"):
            continue
        assert after.get(path) == edited.get(path), path


@LAWS
@given(chosen=edits)
def test_upgrade_with_no_change_in_synth_changes_nothing(
    tmp_path_factory: pytest.TempPathFactory, chosen: list[tuple[str, str, int]]
) -> None:
    root = _service(tmp_path_factory)
    _apply(root, chosen)
    edited = _tree(root)
    result = upgrade_service(root, force=False)
    assert result.conflicts == ()
    assert [c.path for c in result.changes.changed] == []
    assert _tree(root) == edited
