"""merge_python on real generated modules, with the edits owners really make.

base = the debug service as generated with state and pubsub; theirs = the same service after
`add-feature agent` (the committed out/debug); ours = base with owner edits. Each case reads as
before (the edit) -> after (synth's new version with the edit still in it, or the conflicts).
"""

from __future__ import annotations

import ast
import functools
import io
import subprocess
import tokenize
from pathlib import Path

import black
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.api import new_service
from synth.merge.python_units import merge_python, split_python
from synth.merge.sequence import Merged, merge_units
from synth.merge.units import Unit
from synth.spec import FeatureName, load_spec

ROOT = Path(__file__).resolve().parents[2]
WITH_AGENT = ROOT / "out" / "debug"


@functools.cache
def _without_agent() -> dict[str, str]:
    spec = load_spec(ROOT / "specs" / "debug.yaml")
    features = (FeatureName("state"), FeatureName("pubsub"))
    return new_service(spec, features, ROOT / "out" / "no-such-dir").contents()


def base_of(name: str) -> str:
    """What synth generated before the agent feature."""
    return _without_agent()[f"debug/{name}"]


def theirs_of(name: str) -> str:
    """What synth generates with the agent feature."""
    return (WITH_AGENT / "debug" / name).read_text(encoding="utf-8")


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} is not in the text exactly once"
    return text.replace(old, new)


def add_agent(name: str, ours: str, *, force: bool = False) -> Merged:
    return merge_python(f"debug/{name}", base_of(name), ours, theirs_of(name), force=force)


def remove_agent(name: str, ours: str, *, force: bool = False) -> Merged:
    return merge_python(f"debug/{name}", theirs_of(name), ours, base_of(name), force=force)


def conflicts(merged: Merged) -> list[str]:
    return [str(c) for c in merged.conflicts]


# --- the owner's edits survive add-feature --------------------------------------------------

SETTINGS_EDITS = [
    ('    log_level: str = "INFO"\n', '    log_level: str = "INFO"  # owner: DEBUG in dev\n'),
    (
        '    app_id: str = "debug"\n',
        '    app_id: str = "debug"\n    retry_limit: int = 3  # owner\n',
    ),
    ("from functools import lru_cache\n", "# owner: cached\nfrom functools import lru_cache\n"),
    ("    return Settings()\n", "    # owner: read once per process\n    return Settings()\n"),
    (
        '"""Settings of the debug service."""\n',
        '# owner: header\n"""Settings of the debug service."""\n',
    ),
]


def test_settings_keeps_owner_comments_and_field_next_to_synths_fields() -> None:
    ours = base_of("settings.py")
    expected = theirs_of("settings.py")
    for old, new in SETTINGS_EDITS:
        ours, expected = edit(ours, old, new), edit(expected, old, new)
    merged = add_agent("settings.py", ours)
    assert conflicts(merged) == []
    assert merged.text == expected


def test_settings_field_both_added_the_same_way_is_taken_once() -> None:
    field = '    openai_model: str = "gpt-4o-mini"\n'
    ours = edit(
        base_of("settings.py"),
        '    pubsub_name: str = "pubsub"\n',
        f'    pubsub_name: str = "pubsub"\n{field}',
    )
    merged = add_agent("settings.py", ours)
    assert conflicts(merged) == []
    assert merged.text.count("openai_model") == 1


def test_settings_field_both_added_differently_is_a_conflict_at_the_field() -> None:
    ours = edit(
        base_of("settings.py"),
        '    pubsub_name: str = "pubsub"\n',
        '    pubsub_name: str = "pubsub"\n    openai_model: str = "gpt-4.1"\n',
    )
    merged = add_agent("settings.py", ours)
    line = ours.splitlines().index('    openai_model: str = "gpt-4.1"') + 1
    assert conflicts(merged) == [
        f"debug/settings.py:{line}: class:Settings/assign:openai_model: "
        "you and synth both added it, differently"
    ]
    assert merged.text == ours  # nothing written


def test_main_keeps_owner_import_router_and_comments() -> None:
    edits = [
        (
            "from debug.health import health_router\n",
            "from debug.health import health_router  # owner: probes\n",
        ),
        (
            "from debug.logs import configure_logging\n",
            "from debug.logs import configure_logging\nfrom debug.owner import owner_router\n",
        ),
        (
            "app.include_router(health_router)\n",
            "app.include_router(health_router)\napp.include_router(owner_router)  # owner\n",
        ),
    ]
    ours, expected = base_of("main.py"), theirs_of("main.py")
    for old, new in edits:
        ours, expected = edit(ours, old, new), edit(expected, old, new)
    merged = add_agent("main.py", ours)
    assert conflicts(merged) == []
    assert merged.text == expected


def test_import_both_added_differently_merges_by_name() -> None:
    """handlers.py: the owner imported a helper from debug.agent; add-feature agent imports
    answer_request from it too."""
    ours = edit(
        base_of("handlers.py"),
        "from debug.events import",
        "from debug.agent import owner_helper\nfrom debug.events import",
    )
    merged = add_agent("handlers.py", ours)
    assert conflicts(merged) == []
    assert merged.text == edit(
        theirs_of("handlers.py"),
        "from debug.agent import answer_request\n",
        "from debug.agent import answer_request, owner_helper\n",
    )


def test_owner_edit_of_the_extension_point_conflicts_with_synth_replacing_it() -> None:
    ours = edit(
        base_of("handlers.py"),
        "    logger.info(\n",
        "    # owner: count every request\n    logger.info(\n",
    )
    merged = add_agent("handlers.py", ours)
    line = ours.splitlines().index("async def on_code_error_request(") + 1
    assert conflicts(merged) == [
        f"debug/handlers.py:{line}: def:on_code_error_request: "
        "you and synth both changed it, differently"
    ]
    assert merged.text == ours


def test_force_takes_synths_version_and_lists_the_owner_piece() -> None:
    ours = edit(
        base_of("handlers.py"),
        "    logger.info(\n",
        "    # owner: count every request\n    logger.info(\n",
    )
    merged = add_agent("handlers.py", ours, force=True)
    assert conflicts(merged) == []
    assert [f.key + ": " + f.action for f in merged.forced] == [
        "def:on_code_error_request: replaced"
    ]
    assert merged.text == theirs_of("handlers.py")


def test_owner_deletion_of_a_unit_stays_deleted() -> None:
    ours = edit(base_of("main.py"), "app.include_router(health_router)\n", "")
    merged = add_agent("main.py", ours)
    assert conflicts(merged) == []
    assert merged.text == edit(theirs_of("main.py"), "app.include_router(health_router)\n", "")


def test_owner_deleted_field_stays_deleted_when_synth_adds_others() -> None:
    ours = edit(base_of("settings.py"), "    dapr_http_port: int = 3500\n", "")
    merged = add_agent("settings.py", ours)
    assert "dapr_http_port" not in merged.text
    assert "agent_max_turns: int = 6" in merged.text


# --- remove-feature: synth drops units ---------------------------------------------------------


def test_remove_keeps_the_name_the_owner_added_to_a_dropped_import() -> None:
    ours = edit(
        theirs_of("main.py"),
        "from debug.agent import agent_router\n",
        "from debug.agent import agent_router, owner_tools\n",
    )
    merged = remove_agent("main.py", ours)
    assert conflicts(merged) == []
    assert merged.text == edit(
        base_of("main.py"),
        "from debug.dapr_client import lifespan\n",
        "from debug.agent import owner_tools\nfrom debug.dapr_client import lifespan\n",
    )


def test_remove_keeps_the_owner_comment_above_a_dropped_import() -> None:
    ours = edit(
        theirs_of("main.py"),
        "from debug.agent import agent_router\n",
        "# owner: the agent is optional\nfrom debug.agent import agent_router\n",
    )
    merged = remove_agent("main.py", ours)
    assert conflicts(merged) == []
    assert "# owner: the agent is optional\n" in merged.text
    assert "agent_router" not in merged.text


def test_remove_of_a_unit_the_owner_commented_is_a_conflict() -> None:
    ours = edit(
        theirs_of("main.py"),
        "app.include_router(agent_router)\n",
        "app.include_router(agent_router)  # owner: keep the agent public\n",
    )
    merged = remove_agent("main.py", ours)
    line = len(ours.splitlines())
    assert conflicts(merged) == [
        f"debug/main.py:{line}: expr:app.include_router(agent_router): "
        "you changed it; synth no longer generates it"
    ]


def test_remove_keeps_an_owner_field_and_drops_synths() -> None:
    ours = edit(
        theirs_of("settings.py"),
        "    agent_max_turns: int = 6\n",
        "    agent_max_turns: int = 6\n    owner_budget: int = 10  # owner\n",
    )
    merged = remove_agent("settings.py", ours)
    assert conflicts(merged) == []
    assert merged.text == edit(
        base_of("settings.py"),
        '    pubsub_name: str = "pubsub"\n',
        '    pubsub_name: str = "pubsub"\n    owner_budget: int = 10  # owner\n',
    )


# --- renames, reformatting, comments inside bodies ------------------------------------------


def test_renamed_function_stays_renamed_and_its_importers_keep_the_new_name() -> None:
    """The owner renamed state.get_error to load_error (and its import in subscribers.py);
    synth's next version changes get_error's docstring and imports one more name."""
    base_state = base_of("state.py")
    ours_state = edit(base_state, "async def get_error(", "async def load_error(")
    theirs_state = edit(
        base_state,
        '    """Read `error:{hash}`; None when it is not stored."""\n',
        '    """Read `error:{hash}` (None when it is not stored)."""\n',
    )
    merged = merge_python("debug/state.py", base_state, ours_state, theirs_state, force=False)
    assert conflicts(merged) == []
    assert merged.text == ours_state  # the renamed function is the owner's; get_error stays gone

    base_imp = "from debug.state import get_error\n"
    ours_imp = "from debug.state import load_error\n"
    theirs_imp = "from debug.state import get_error, save_error\n"
    merged = merge_python("debug/x.py", base_imp, ours_imp, theirs_imp, force=False)
    assert merged.text == "from debug.state import load_error, save_error\n"


def test_reformatted_at_79_columns_keeps_the_owner_layout_where_synth_changed_nothing() -> None:
    base = base_of("state.py")
    ours = black.format_str(base, mode=black.Mode(line_length=79))
    assert ours != base
    theirs = edit(base, "etag=etag, ttl_seconds=604800)", "etag=etag, ttl_seconds=86400)")
    merged = merge_python("debug/state.py", base, ours, theirs, force=False)
    units = {u.key: u.text for u in split_python(ours)}
    base_units = {u.key: u.text for u in split_python(base)}
    if units["def:save_error"] == base_units["def:save_error"]:
        assert conflicts(merged) == []
        assert "ttl_seconds=86400" in merged.text
    else:  # the owner's layout of the very unit synth changed: theirs would re-lay it out
        assert [c.split(": ")[1] for c in conflicts(merged)] == ["def:save_error"]
        assert merged.text == ours
    forced = merge_python("debug/state.py", base, ours, theirs, force=True)
    assert "ttl_seconds=86400" in forced.text and conflicts(forced) == []


def single_quoted(text: str) -> str:
    """The owner's quote style: every plain one-line "string" written as 'string'."""
    lines = text.splitlines(keepends=True)
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        literal = token.string
        plain = literal[:1] == '"' and literal[:3] != '"""' and not {"'", "\\"} & set(literal)
        if token.type == tokenize.STRING and plain:
            row, col = token.start
            line = lines[row - 1]
            lines[row - 1] = line[:col] + "'" + literal[1:-1] + "'" + line[col + len(literal) :]
    return "".join(lines)


DEBUG_MODULES = sorted(p.name for p in (WITH_AGENT / "debug").glob("*.py"))


@pytest.mark.parametrize("restyle", ["black-79", "single-quotes"])
def test_owner_restyled_every_module_and_add_feature_keeps_every_owner_line(restyle: str) -> None:
    restyled = 0
    for name in DEBUG_MODULES:
        if f"debug/{name}" not in _without_agent():
            continue  # a file the agent feature creates: nothing to merge
        base = base_of(name)
        if restyle == "black-79":
            ours = black.format_str(base, mode=black.Mode(line_length=79))
        else:
            ours = single_quoted(base)
        restyled += ours != base
        merged = add_agent(name, ours)
        if conflicts(merged):
            assert merged.text == ours, name  # refused: the owner's file as it was
            continue
        ast.parse(merged.text)
        theirs_units = {u.key: u.text for u in split_python(theirs_of(name))}
        base_units = {u.key: u.text for u in split_python(base)}
        for unit in split_python(ours):
            if theirs_units.get(unit.key) == base_units.get(unit.key):
                assert unit.text in merged.text, (name, unit.key)  # the owner's layout stays
    assert restyled >= 3


def test_quote_style_change_and_synth_change_on_different_lines_both_stay() -> None:
    base = 'def f() -> str:\n    a = "x"\n    b = 1\n    c = 2\n    return a\n'
    ours = "def f() -> str:\n    a = 'x'\n    b = 1\n    c = 2\n    return a\n"
    theirs = 'def f() -> str:\n    a = "x"\n    b = 1\n    c = 3\n    return a\n'
    merged = merge_python("m.py", base, ours, theirs, force=False)
    assert merged.text == "def f() -> str:\n    a = 'x'\n    b = 1\n    c = 3\n    return a\n"


def test_comments_inside_a_body_and_synth_change_elsewhere_in_it_merge_by_lines() -> None:
    base = base_of("subscribers.py")
    owner = "    # owner: one connection per delivery\n    connection = get_dapr_connection("
    ours = edit(base, "    connection = get_dapr_connection(", owner)
    theirs = edit(
        base,
        '        return {"status": Status.DROP}\n',
        '        return {"status": Status.DROP}  # synth: malformed\n',
    )
    merged = merge_python("debug/subscribers.py", base, ours, theirs, force=False)
    assert conflicts(merged) == []
    assert merged.text == edit(theirs, "    connection = get_dapr_connection(", owner)


def test_merge_that_would_not_parse_is_a_conflict_at_its_unit() -> None:
    """Each side parses and their edits are lines apart, but `with ... else` does not."""
    base = "def f() -> None:\n    if a:\n        x = 1\n    y = 2\n    z = 3\n"
    ours = "def f() -> None:\n    if a:\n        x = 1\n    else:\n        y = 2\n    z = 3\n"
    theirs = "def f() -> None:\n    with a:\n        x = 1\n    y = 2\n    z = 3\n"
    merged = merge_python("m.py", "import os\n" + base, "import os\n" + ours, theirs, force=False)
    assert conflicts(merged) == [
        "m.py:2: def:f: your edits and synth's merge line by line into code that does not parse"
    ]
    assert merged.text == "import os\n" + ours
    forced = merge_python("m.py", base, ours, theirs, force=True)
    assert forced.text == theirs and [str(f) for f in forced.forced] == [
        "m.py:1: def:f: your version replaced"
    ]


def test_file_that_does_not_parse_is_a_conflict_naming_the_fix() -> None:
    base = "x = 1\n"
    merged = merge_python("m.py", base, "x = (1\n", "x = 2\n", force=False)
    (conflict,) = merged.conflicts
    assert conflict.key == "<module>" and "--force" in conflict.reason
    forced = merge_python("m.py", base, "x = (1\n", "x = 2\n", force=True)
    assert forced.text == "x = 2\n" and [f.action for f in forced.forced] == ["replaced"]


def test_remove_of_a_whole_module_leaves_only_the_owner_helper() -> None:
    """remove-feature pubsub: synth generates no subscribers.py; the owner appended a helper."""
    base = base_of("subscribers.py")
    helper = "\n\n# owner: replay from the dead-letter topic\ndef replay() -> None:\n    pass\n"
    merged = merge_python("debug/subscribers.py", base, base + helper, "", force=False)
    assert conflicts(merged) == []
    assert merged.text == helper


def test_nothing_changed_anywhere_is_a_no_op() -> None:
    for name in ("main.py", "settings.py", "state.py", "subscribers.py", "handlers.py"):
        text = theirs_of(name)
        merged = merge_python(name, text, text, text, force=False)
        assert merged.text == text and not merged.conflicts and not merged.forced


def test_merged_modules_are_what_ruff_and_black_accept(tmp_path: Path) -> None:
    """The merged files of the cases above, checked as a project would check them."""
    agent_import = "from debug.agent import agent_router\n"
    results = {
        "settings.py": add_agent(
            "settings.py", edit(*[base_of("settings.py"), *SETTINGS_EDITS[1]])
        ),
        "handlers.py": add_agent(
            "handlers.py",
            edit(
                base_of("handlers.py"),
                "from debug.events",
                "from debug.agent import h\nfrom debug.events",
            ),
        ),
        "main_a.py": remove_agent(
            "main.py", edit(theirs_of("main.py"), agent_import, "# owner: why\n" + agent_import)
        ),
        "main_b.py": remove_agent(
            "main.py",
            edit(theirs_of("main.py"), agent_import, "from debug.agent import agent_router, h\n"),
        ),
    }
    (tmp_path / "pyproject.toml").write_bytes((WITH_AGENT / "pyproject.toml").read_bytes())
    (tmp_path / "debug").mkdir()
    for name, merged in results.items():
        assert not merged.conflicts
        (tmp_path / "debug" / name).write_text(merged.text, encoding="utf-8")
    ruff = subprocess.run(
        ["ruff", "check", "--ignore", "F401", "."],  # the owner's names are imported, not used
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert ruff.returncode == 0, ruff.stdout
    black_run = subprocess.run(
        ["black", "--check", "--quiet", "."],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert black_run.returncode == 0, black_run.stderr


# --- laws over random owner insertions ------------------------------------------------------

LAW_FILES = ("settings.py", "main.py", "handlers.py", "subscribers.py", "state.py")


def _boundaries(text: str) -> list[tuple[int, str, bool]]:
    """(0-based line, indentation, code allowed) where an owner may insert a line: before each
    unit. Owner statements go below the imports (above them ruff's E402 would refuse them);
    comments go anywhere."""
    found: list[tuple[int, str, bool]] = []

    def walk(units: tuple[Unit, ...], indent: str) -> None:
        for index, unit in enumerate(units):
            later = [u.key for u in units[index:]]
            code = bool(indent) or not any(k.startswith(("from:", "import:")) for k in later)
            if unit.key not in ("<header>", "<footer>"):
                found.append((unit.line - 1, indent, code and unit.key != "docstring"))
            if unit.children:
                child = next(line for line in unit.children[0].text.splitlines() if line.strip())
                walk(unit.children, child[: len(child) - len(child.lstrip())])

    walk(split_python(text), "")
    found.append((len(text.splitlines()), "", True))
    return found


@st.composite
def owner_edits(draw: st.DrawFn) -> tuple[str, str, list[str]]:
    """A generated module and the same module with owner lines inserted at unit boundaries."""
    name = draw(st.sampled_from(LAW_FILES))
    base = base_of(name)
    spots = _boundaries(base)
    picks = draw(st.lists(st.sampled_from(range(len(spots))), min_size=1, max_size=4))
    lines = base.splitlines(keepends=True)
    added: list[str] = []
    for number, pick in enumerate(sorted(picks, reverse=True)):
        at, indent, code = spots[pick]
        if not code or draw(st.booleans()):
            line = f"{indent}# owner: note {number}\n"
        elif indent:
            line = f"{indent}owner_field_{number}: int = {number}\n"
        else:
            line = f"owner_value_{number} = {number}\n"
        lines.insert(at, line)
        added.append(line)
    edited = "".join(lines)
    ast.parse(edited)
    return name, edited, added


@settings(max_examples=25, deadline=None)
@given(owner_edits())
def test_law_synth_unchanged_gives_back_the_owner_file(case: tuple[str, str, list[str]]) -> None:
    name, edited, _ = case
    base = base_of(name)
    merged = merge_python(name, base, edited, base, force=False)
    assert merged.text == edited and not merged.conflicts
    # the same by units, not only by merge_python's whole-file shortcut
    units = merge_units(
        name, split_python(base), split_python(edited), split_python(base), force=False
    )
    assert units.text == edited and not units.conflicts


@settings(max_examples=25, deadline=None)
@given(owner_edits())
def test_law_add_feature_keeps_every_owner_line(case: tuple[str, str, list[str]]) -> None:
    name, edited, added = case
    merged = add_agent(name, edited)
    assert not merged.conflicts, conflicts(merged)
    ast.parse(merged.text)
    result = merged.text.splitlines(keepends=True)
    for line in added:
        assert line in result
    for line in theirs_of(name).splitlines(keepends=True):
        if line.strip() and line not in base_of(name):
            assert line in result  # and synth's new lines arrived


@settings(max_examples=25, deadline=None)
@given(owner_edits())
def test_law_add_then_remove_gives_back_the_owner_file(case: tuple[str, str, list[str]]) -> None:
    name, edited, _ = case
    added = add_agent(name, edited)
    removed = remove_agent(name, added.text)
    assert not removed.conflicts, conflicts(removed)
    assert removed.text == edited
