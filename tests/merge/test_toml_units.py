"""TOML units: pyproject.toml by table, key, and dependency by requirement name."""

from __future__ import annotations

import tomllib
from pathlib import Path
from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.merge.sequence import Merged
from synth.merge.toml_units import merge_toml, requirement_name, split_toml
from synth.merge.units import Unit, check_split

from .test_yaml_units import find, outline, with_agent, without_agent

ROOT = Path(__file__).resolve().parents[2]
PYPROJECTS = sorted((ROOT / "out").glob("*/pyproject.toml"))


def split(text: str) -> tuple[Unit, ...]:
    units = split_toml(text)
    check_split(text, units)
    return units


def test_every_pyproject_under_out_and_synth_s_own_are_cut_exactly() -> None:
    assert len(PYPROJECTS) == 6
    for path in [*PYPROJECTS, ROOT / "pyproject.toml"]:
        units = split(path.read_text())
        assert all(unit.key.startswith("table:") for unit in units), path


def test_tables_keys_and_dependencies_by_requirement_name() -> None:
    units = split((ROOT / "out/debug/pyproject.toml").read_text())
    assert [unit.key for unit in units][:3] == [
        "table:build-system",
        "table:project",
        "table:project.optional-dependencies",
    ]
    dependencies = find(units, "table:project", "key:dependencies")
    assert outline(dependencies.children or ()) == [
        "dep:dapr",
        "dep:fastapi",
        "dep:httpx",
        "dep:openai-agents",
        "dep:pydantic",
        "dep:pydantic-settings",
        "dep:uvicorn",
    ]
    assert dependencies.head == "dependencies = [\n"
    assert dependencies.tail == "]\n"
    dev = find(units, "table:project.optional-dependencies", "key:dev")
    assert outline(dev.children or ()) == [
        "dep:black",
        "dep:mypy",
        "dep:pytest",
        "dep:ruff",
        "dep:types-grpcio",
    ]
    assert find(units, "table:tool.ruff.lint", "key:select").children is None


def test_an_owner_s_pin_is_the_same_unit_as_synth_s_requirement() -> None:
    synth = '[project]\ndependencies = [\n    "openai-agents>=0.24",\n]\n'
    owner = '[project]\ndependencies = [\n    "openai-agents==0.24.3",  # owner: pinned\n]\n'
    key = ("table:project", "key:dependencies", "dep:openai-agents")
    assert find(split(synth), *key).text == '    "openai-agents>=0.24",\n'
    assert find(split(owner), *key).text == '    "openai-agents==0.24.3",  # owner: pinned\n'


@pytest.mark.parametrize(
    ("requirement", "name"),
    [
        ("dapr[fastapi]>=1.19", "dapr"),
        ("ruamel.yaml>=0.19", "ruamel-yaml"),
        ("Pydantic_Settings ; python_version>'3'", "pydantic-settings"),
        ("openai-agents==0.24.3", "openai-agents"),
        (">=1", None),
    ],
)
def test_requirement_names_are_normalized(requirement: str, name: str | None) -> None:
    assert requirement_name(requirement) == name


def test_a_unit_owns_its_comments_and_other_arrays_are_keyed_by_value() -> None:
    text = dedent("""\
        # owner: top comment
        top = 1

        [tool.pytest.ini_options]
        # markers the suite uses
        markers = [
            "slow: boots processes",
            # owner: ours
            "redis: needs Redis",
        ]
        addopts = '''
        -ra
        '''
        inline = { a = 1, b = [
            2,
        ] }

        # trailing comment
        """)
    units = split(text)
    assert outline(units) == [
        "key:top",
        "table:tool.pytest.ini_options",
        "  key:markers",
        "    item:=slow: boots processes",
        "    item:=redis: needs Redis",
        "  key:addopts",
        "  key:inline",
        "<footer>",
    ]
    assert units[0].text == "# owner: top comment\ntop = 1\n"
    assert units[1].head == "\n[tool.pytest.ini_options]\n"
    markers = find(units, "table:tool.pytest.ini_options", "key:markers")
    assert markers.head == "# markers the suite uses\nmarkers = [\n"
    assert find(units, "table:tool.pytest.ini_options", "key:addopts").text == (
        "addopts = '''\n-ra\n'''\n"
    )
    assert units[-1].text == "\n# trailing comment\n"


def test_arrays_of_tables_and_odd_lines_are_cut_exactly() -> None:
    text = '[[tool.x]]\na = 1\n[[tool.x]]\na = 2\nnot toml\n["quoted.part" . b]\nc = "#"'
    assert outline(split(text)) == [
        "table:tool.x",
        "  key:a",
        "table:tool.x#2",
        "  key:a",
        "  line:not toml",
        "table:quoted.part.b",
        "  key:c",
    ]


@pytest.mark.parametrize("text", ["", "\n", "# only\n", "a = [\n", 'a = """\nopen', "[t"])
def test_odd_inputs_are_cut_exactly(text: str) -> None:
    split(text)


_LINES = st.sampled_from(
    ["[a]", "[[b]]", "x = 1", "y = [", '  "a",', "  'b',  # c", "]", "# c", "", 'z = """', '"""']
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_LINES, max_size=14), st.booleans())
def test_any_text_is_cut_exactly(lines: list[str], final_newline: bool) -> None:
    split("\n".join(lines) + ("\n" if final_newline and lines else ""))


# merges: base = what synth wrote, ours = the owner's file, theirs = what synth writes now

PIN = '    "openai-agents==0.24.3",  # owner: pinned\n'
SYNTH_AGENTS = '    "openai-agents>=0.24",\n'


def merge(base: str, ours: str, theirs: str) -> Merged:
    return merge_toml("pyproject.toml", base, ours, theirs, force=False)


def clean(base: str, ours: str, theirs: str) -> str:
    merged = merge(base, ours, theirs)
    assert merged.conflicts == ()
    return merged.text


def test_an_owner_s_pin_stays_when_synth_writes_the_dependency_again() -> None:
    base = with_agent("pyproject.toml")
    ours = base.replace(SYNTH_AGENTS, PIN)
    assert clean(base, ours, base) == ours
    redis = '    "redis>=6.0",\n'  # a feature that needs one more package
    theirs = base.replace(
        '    "pydantic-settings>=2.10",\n', '    "pydantic-settings>=2.10",\n' + redis
    )
    assert clean(base, ours, theirs) == theirs.replace(SYNTH_AGENTS, PIN)


def test_an_owner_s_own_pin_before_synth_adds_the_package_is_a_conflict() -> None:
    base = without_agent("pyproject.toml")
    ours = base.replace('    "httpx>=0.28",\n', '    "httpx>=0.28",\n' + PIN)
    merged = merge(base, ours, with_agent("pyproject.toml"))
    assert [c.key.split("/")[-1] for c in merged.conflicts] == ["dep:openai-agents"]


def test_removing_the_feature_behind_an_owner_s_pin_is_a_conflict_not_a_silent_removal() -> None:
    base = with_agent("pyproject.toml")
    ours = base.replace(SYNTH_AGENTS, PIN)
    merged = merge(base, ours, without_agent("pyproject.toml"))
    assert [(c.line, c.key.split("/")[-1]) for c in merged.conflicts] == [(15, "dep:openai-agents")]


def test_an_owner_s_dependency_table_and_comments_stay_beside_synth_s_changes() -> None:
    base = without_agent("pyproject.toml")
    ours = base.replace(
        '    "uvicorn>=0.50",\n',
        '    "uvicorn>=0.50",\n    # owner: our logging\n    "structlog>=24",\n',
    ).replace("[tool.black]\n", "# owner: one line length for all\n[tool.black]\n")
    ours += "\n[tool.coverage.run]\nbranch = true\n"
    theirs = with_agent("pyproject.toml")
    merged = clean(base, ours, theirs)
    assert merged == ours.replace('    "httpx>=0.28",\n', '    "httpx>=0.28",\n' + SYNTH_AGENTS)
    assert tomllib.loads(merged)["tool"]["coverage"] == {"run": {"branch": True}}


def test_an_owner_comment_above_a_key_synth_changes_keeps_both() -> None:
    base = '[tool.ruff]\nline-length = 100\ntarget-version = "py311"\n'
    ours = '[tool.ruff]\n# owner: wide screens\nline-length = 100\ntarget-version = "py311"\n'
    theirs = '[tool.ruff]\nline-length = 100\ntarget-version = "py312"\n'
    assert clean(base, ours, theirs) == ours.replace("py311", "py312")
    theirs_length = base.replace("100", "120")
    assert clean(base, ours, theirs_length) == ours.replace("100", "120")


def test_reordered_keys_keep_the_owner_s_order() -> None:
    base = without_agent("pyproject.toml")
    ours = base.replace(
        'readme = "README.md"\nrequires-python = ">=3.11"\n',
        'requires-python = ">=3.11"\nreadme = "README.md"\n',
    )
    assert clean(base, ours, with_agent("pyproject.toml")) == ours.replace(
        '    "httpx>=0.28",\n', '    "httpx>=0.28",\n' + SYNTH_AGENTS
    )


def test_a_result_that_does_not_parse_is_a_conflict() -> None:
    base = '[project]\ndependencies = [\n    "httpx>=0.28",\n]\n'
    ours = '[project]\ndependencies = [\n    "httpx>=0.28"\n]\n'  # the owner dropped the comma
    theirs = '[project]\ndependencies = [\n    "httpx>=0.28",\n    "redis>=6",\n]\n'
    merged = merge(base, ours, theirs)
    assert len(merged.conflicts) == 1
    assert merged.conflicts[0].reason.startswith("the merged TOML does not parse")


def _spots(units: tuple[Unit, ...], offset: int = 0) -> list[int]:
    """Char offsets where a unit starts: where an owner's comment line changes no value."""
    found: list[int] = []
    for unit in units:
        found.append(offset)
        if unit.children is not None:
            found.extend(_spots(unit.children, offset + len(unit.head)))
        offset += len(unit.text)
    return found


def _leaves(units: tuple[Unit, ...], offset: int = 0) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for unit in units:
        if unit.children is None:
            found.append((offset, offset + len(unit.text)))
        else:
            found.extend(_leaves(unit.children, offset + len(unit.head)))
        offset += len(unit.text)
    return found


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_random_owner_comments_and_deletions_survive_any_synth_change(data: st.DataObject) -> None:
    base = with_agent("pyproject.toml")
    units = split_toml(base)
    cuts = data.draw(st.lists(st.sampled_from(_leaves(units)), max_size=3, unique=True))
    spots = data.draw(st.lists(st.sampled_from(_spots(units)), max_size=4, unique=True))
    edits = [(start, end, "") for start, end in cuts]
    edits += [(spot, spot, f"# owner: note {n}\n") for n, spot in enumerate(spots)]
    edited = base
    for start, end, insert in sorted(edits, reverse=True):
        edited = edited[:start] + insert + edited[end:]
    notes = [f"# owner: note {n}\n" for n in range(len(spots))]
    assert clean(base, edited, base) == edited
    merged = merge(base, edited, without_agent("pyproject.toml"))
    if not merged.conflicts:
        assert all(note in merged.text for note in notes)
        tomllib.loads(merged.text)
