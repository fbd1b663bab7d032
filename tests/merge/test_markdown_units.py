"""Markdown units: a README by its `#` / `##` sections, headings in fenced code ignored."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.merge.markdown_units import merge_markdown, split_markdown
from synth.merge.sequence import Merged
from synth.merge.units import Unit, check_split

from .test_yaml_units import with_agent, without_agent

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
        "section:Deploy",
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


# merges: base = what synth wrote, ours = the owner's file, theirs = what synth writes now


def merge(base: str, ours: str, theirs: str) -> Merged:
    return merge_markdown("README.md", base, ours, theirs, force=False)


def clean(base: str, ours: str, theirs: str) -> str:
    merged = merge(base, ours, theirs)
    assert merged.conflicts == ()
    return merged.text


def section(text: str, key: str) -> str:
    return next(unit.text for unit in split(text) if unit.key == key)


def test_a_deleted_readme_section_stays_deleted() -> None:
    base = with_agent("README.md")
    ours = base.replace(section(base, "section:Health"), "")
    theirs = without_agent("README.md")  # remove-feature agent rewrites other sections
    merged = clean(base, ours, theirs)
    assert merged == theirs.replace(section(theirs, "section:Health"), "")
    assert "## Health" not in merged
    assert "## Agent" not in merged


def test_a_deleted_section_synth_changes_stays_deleted() -> None:
    base = with_agent("README.md")
    ours = base.replace(section(base, "section:Configuration"), "")
    theirs = without_agent("README.md")
    assert section(theirs, "section:Configuration") != section(base, "section:Configuration")
    assert "## Configuration" not in clean(base, ours, theirs)


def test_an_owner_section_stays_where_the_owner_put_it() -> None:
    base = without_agent("README.md")
    owner = "\n## Deploying to our cluster\n\nAsk #platform for a namespace first.\n"
    ours = base.replace("\n## State\n", owner + "\n## State\n")
    theirs = with_agent("README.md")
    merged = clean(base, ours, theirs)
    assert merged == theirs.replace("\n## State\n", owner + "\n## State\n")


def test_an_owner_edit_inside_a_section_synth_changes_elsewhere_is_merged_by_line() -> None:
    base = with_agent("README.md")
    sentence = "Settings come from the environment (and `.env`; see `.env.example`)."
    mine = sentence + " In production they come from the `debug-env` ConfigMap."
    ours = base.replace(sentence, mine)
    theirs = without_agent("README.md")
    assert clean(base, ours, theirs) == theirs.replace(sentence, mine)


def test_an_owner_s_table_row_and_synth_s_new_rows_both_arrive() -> None:
    base = without_agent("README.md")
    row = "| `PUBSUB_NAME` | `pubsub` | Dapr pub/sub component name |\n"
    owner_row = "| `TEAM_CHANNEL` | `#debug` | Where alerts go (owner) |\n"
    ours = base.replace(row, row + owner_row)
    theirs = with_agent("README.md")
    merged = clean(base, ours, theirs)
    configuration = section(merged, "section:Configuration")
    assert owner_row in configuration
    assert "| `OPENAI_MODEL` |" in configuration
    assert configuration.count("| variable | default | meaning |") == 1


def test_both_rewriting_one_paragraph_is_a_conflict() -> None:
    base = "# x\n\nOne paragraph.\n"
    merged = merge(base, "# x\n\nThe owner's words.\n", "# x\n\nSynth's new words.\n")
    assert len(merged.conflicts) == 1
