"""Markdown units: a README by its `#` / `##` sections, headings in fenced code ignored."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.merge.markdown_units import split_markdown
from synth.merge.units import Unit, check_split

ROOT = Path(__file__).resolve().parents[2]
READMES = sorted((ROOT / "out").glob("*/README.md"))


def split(text: str) -> tuple[Unit, ...]:
    units = split_markdown(text)
    check_split(text, units)
    return units


def test_every_readme_under_out_is_cut_into_its_sections() -> None:
    assert len(READMES) == 6
    for path in [*READMES, ROOT / "README.md"]:
        units = split(path.read_text())
        assert all(unit.key.startswith("section:") for unit in units), path
    skill = split((ROOT / "SKILL.md").read_text())  # front matter first: the intro
    assert skill[0].key == "<intro>"
    assert skill[0].text.startswith("---\n")
    debug = split((ROOT / "out/debug/README.md").read_text())
    assert [unit.key for unit in debug] == [
        "section:debug",
        "section:Run it",
        "section:Health",
        "section:State",
        "section:Events",
        "section:Agent",
        "section:Configuration",
    ]


def test_a_section_owns_the_blank_lines_above_its_heading_and_its_subsections() -> None:
    text = dedent("""\
        Intro before any heading.

        # Title ##

        Text.
        ### A subsection stays inside
        ## Deploy

        ```sh
        # a shell comment, not a heading
        ## nor this
        ```
        ~~~
        # in a tilde fence
        ~~~
            # indented code, not a heading
        #not a heading either
        ## Last""")
    units = split(text)
    assert [unit.key for unit in units] == [
        "<intro>",
        "section:Title",
        "section:Deploy",
        "section:Last",
    ]
    assert units[0].text == "Intro before any heading.\n"
    assert units[1].text.startswith("\n# Title ##\n")
    assert "### A subsection stays inside\n" in units[1].text
    assert units[2].text.startswith("## Deploy\n")
    assert units[3].text == "## Last"


def test_repeated_headings_get_a_count() -> None:
    units = split("## Notes\na\n## Notes\nb\n")
    assert [unit.key for unit in units] == ["section:Notes", "section:Notes#2"]


@pytest.mark.parametrize("text", ["", "\n", "no heading\n", "#\n", "```\n# open fence\n"])
def test_odd_inputs_are_cut_exactly(text: str) -> None:
    split(text)


_LINES = st.sampled_from(["# T", "## S", "### d", "```", "~~~", "    # code", "text", ""])


@settings(max_examples=60, deadline=None)
@given(st.lists(_LINES, max_size=14), st.booleans())
def test_any_text_is_cut_exactly(lines: list[str], final_newline: bool) -> None:
    split("\n".join(lines) + ("\n" if final_newline and lines else ""))
