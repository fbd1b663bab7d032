"""Line units: `.env.example` by variable, `.gitignore` / `.dockerignore` by pattern line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.merge.line_units import merge_env, merge_ignore, split_env, split_ignore
from synth.merge.units import Unit, check_split

from .test_yaml_units import with_agent, without_agent

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


# merges: base = what synth wrote, ours = the owner's file, theirs = what synth writes now


def clean_env(base: str, ours: str, theirs: str) -> str:
    merged = merge_env(".env.example", base, ours, theirs, force=False)
    assert merged.conflicts == ()
    return merged.text


def clean_ignore(base: str, ours: str, theirs: str) -> str:
    merged = merge_ignore(".gitignore", base, ours, theirs, force=False)
    assert merged.conflicts == ()
    return merged.text


GRPC = "\n# Dapr sidecar gRPC port (read by the Dapr SDK)\nDAPR_GRPC_PORT=50001\n"


def test_a_deleted_env_entry_stays_deleted_while_synth_removes_others() -> None:
    base = with_agent(".env.example")
    ours = base.replace(GRPC, "")
    theirs = without_agent(".env.example")
    assert GRPC in theirs
    assert clean_env(base, ours, theirs) == theirs.replace(GRPC, "")
    assert clean_env(base, ours, base) == ours


def test_an_owner_s_variable_and_comment_stay_beside_synth_s_new_ones() -> None:
    base = without_agent(".env.example")
    owner = "\n# owner: our alert channel\nTEAM_CHANNEL=#debug\n"
    ours = base.replace(GRPC, GRPC + owner).replace(
        "PUBSUB_NAME=pubsub\n", "PUBSUB_NAME=pubsub  # the team's bus\n"
    )
    theirs = with_agent(".env.example")
    expected = theirs.replace(GRPC, GRPC + owner).replace(
        "PUBSUB_NAME=pubsub\n", "PUBSUB_NAME=pubsub  # the team's bus\n"
    )
    assert clean_env(base, ours, theirs) == expected


def test_an_owner_s_value_for_a_variable_synth_drops_is_a_conflict() -> None:
    base = with_agent(".env.example")
    ours = base.replace("OPENAI_MODEL=gpt-4o-mini\n", "OPENAI_MODEL=gpt-4.1\n")
    merged = merge_env(".env.example", base, ours, without_agent(".env.example"), force=False)
    assert [c.key.split("/")[-1] for c in merged.conflicts] == ["env:OPENAI_MODEL"]


def test_a_removed_gitignore_line_stays_removed_and_new_lines_arrive() -> None:
    base = with_agent(".gitignore")
    ours = base.replace(".venv/\n", "") + "# owner\n*.sqlite\n"
    assert clean_ignore(base, ours, base) == ours
    theirs = base.replace("dist/\n", "dist/\n.mypy_cache/\n")  # a newer synth ignores one more
    assert clean_ignore(base, ours, theirs) == ours.replace("dist/\n", "dist/\n.mypy_cache/\n")


def test_dockerignore_negations_keep_the_owner_s_order() -> None:
    base = with_agent(".dockerignore")
    ours = base.replace("!pyproject.toml\n", "!pyproject.toml\n!README.md\n")
    theirs = base.replace("!debug/\n", "!debug/\n!components/\n")
    assert clean_ignore(base, ours, theirs) == (
        "*\n!pyproject.toml\n!README.md\n!debug/\n!components/\n**/__pycache__\n**/*.py[cod]\n"
    )
