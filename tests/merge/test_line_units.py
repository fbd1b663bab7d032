"""Line units: `.env.example` by variable, `.gitignore` / `.dockerignore` by pattern line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.merge.line_units import split_env, split_ignore
from synth.merge.units import Unit, check_split

OUT = Path(__file__).resolve().parents[2] / "out"


def env(text: str) -> tuple[Unit, ...]:
    units = split_env(text)
    check_split(text, units)
    return units


def ignore(text: str) -> tuple[Unit, ...]:
    units = split_ignore(text)
    check_split(text, units)
    return units


def test_every_env_example_under_out_is_cut_by_variable() -> None:
    paths = sorted(OUT.glob("*/.env.example"))
    assert len(paths) == 6
    for path in paths:
        units = env(path.read_text())
        assert units[0].key == "<header>", path
        assert all(unit.key.startswith("env:") for unit in units[1:]), path
    debug = env((OUT / "debug/.env.example").read_text())
    assert debug[0].text == "# Copy to .env for local runs; every value here is a safe default.\n"
    assert debug[1].key == "env:APP_ID"
    assert debug[1].text == "\n# Dapr app id of this service\nAPP_ID=debug\n"


def test_every_ignore_file_under_out_is_cut_by_pattern_line() -> None:
    paths = sorted([*OUT.glob("*/.gitignore"), *OUT.glob("*/.dockerignore")])
    assert len(paths) == 12
    for path in paths:
        units = ignore(path.read_text())
        assert all(unit.key.startswith("line:") for unit in units), path
    assert [unit.key for unit in ignore((OUT / "debug/.dockerignore").read_text())] == [
        "line:*",
        "line:!pyproject.toml",
        "line:!debug/",
        "line:**/__pycache__",
        "line:**/*.py[cod]",
    ]


def test_comments_above_a_variable_belong_to_it_and_stray_lines_are_their_own() -> None:
    text = (
        "# Model key\nexport OPENAI_API_KEY=\n"
        "\n# owner: ours\nOWNER_FLAG=1\nnot an assignment\n\n# end\n"
    )
    units = env(text)
    assert [unit.key for unit in units] == [
        "env:OPENAI_API_KEY",
        "env:OWNER_FLAG",
        "line:not an assignment",
        "<footer>",
    ]
    assert units[0].text == "# Model key\nexport OPENAI_API_KEY=\n"
    assert units[1].text == "\n# owner: ours\nOWNER_FLAG=1\n"
    assert units[-1].text == "\n# end\n"


def test_comments_above_a_pattern_belong_to_it_and_repeats_get_a_count() -> None:
    units = ignore("# python\n__pycache__/\n\n# editors\n.idea/\n.idea/")
    assert [unit.key for unit in units] == ["line:__pycache__/", "line:.idea/", "line:.idea/#2"]
    assert units[0].text == "# python\n__pycache__/\n"
    assert units[1].text == "\n# editors\n.idea/\n"
    assert units[2].text == ".idea/"


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n", "# a\n\n# b\nX=1", "X=1\n\n"])
def test_odd_inputs_are_cut_exactly(text: str) -> None:
    env(text)
    ignore(text)


_LINES = st.sampled_from(["# c", "", "A=1", "export B=2", "!x", "dist/", "  ", "garbage"])


@settings(max_examples=60, deadline=None)
@given(st.lists(_LINES, max_size=14), st.booleans())
def test_any_text_is_cut_exactly(lines: list[str], final_newline: bool) -> None:
    text = "\n".join(lines) + ("\n" if final_newline and lines else "")
    env(text)
    ignore(text)
