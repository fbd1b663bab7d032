"""SKILL.md and the README say what the commands do; this test runs what they say.

The documents are the data. Each has a command table (`| command | ... |`) and a table of
checked examples (`| you run | exit | prints |`). The examples run in order in a fresh copy of
the repository's specs (a row that is not a `synth` command is a shell step, e.g. an edit), and
each must exit as written and print what the row says. Every command of the command table must
be one synth really has, with only options it really takes, and must have an example row, so
a command, an option or a claim cannot drift from the code again.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synth.cli import app
from tests.cli.conftest import ROOT, chdir

runner = CliRunner()
DOCS = ("SKILL.md", "README.md")
CELL = re.compile(r"`([^`]*)`")


@dataclass(frozen=True)
class Example:
    """One row of a checked-examples table."""

    run: str
    exit_code: int
    prints: str


def _rows(text: str, header: str) -> list[list[str]]:
    """The body rows of the markdown table whose header row starts with `header`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        rows.append([cell.strip().replace("\\|", "|") for cell in cells])
    return rows


def _code(cell: str) -> str:
    match = CELL.search(cell)
    return match.group(1) if match else ""


def examples(doc: str) -> list[Example]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    return [
        Example(_code(run), int(code), _code(prints))
        for run, code, prints in _rows(text, "| you run |")
    ]


def commands(doc: str) -> list[str]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    return [_code(row[0]) for row in _rows(text, "| command |")]


def _words(template: str) -> list[str]:
    """`synth spec new NAME [--x]` -> ["spec", "new"]: the command words of a template."""
    words = []
    for word in template.split()[1:]:
        if not re.fullmatch(r"[a-z][a-z-]*", word):
            break
        words.append(word)
    return words


def _run(example: Example, root: Path) -> tuple[int, str, str]:
    if example.run.startswith("synth "):
        with chdir(root):
            result = runner.invoke(app, shlex.split(example.run)[1:])
        return result.exit_code, result.stdout, result.stderr
    done = subprocess.run(
        ["bash", "-c", example.run], cwd=root, capture_output=True, text=True, check=False
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS)
def test_every_checked_example_does_what_the_doc_says(doc: str, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    for name in DOCS:
        shutil.copy(ROOT / name, tmp_path / name)
    rows = examples(doc)
    assert len(rows) >= 10
    for example in rows:
        code, stdout, stderr = _run(example, tmp_path)
        said = f"{doc}: `{example.run}` -> exit {code}\nstdout={stdout[:2000]}\nstderr={stderr}"
        assert code == example.exit_code, said
        assert example.prints in stdout + stderr, said
        assert "Traceback" not in stdout + stderr, said
        if code == 2 and example.run.startswith("synth "):
            assert len(stderr.splitlines()) == 1 and stderr.startswith("synth: error: "), said


@pytest.mark.parametrize("doc", DOCS)
def test_the_command_table_names_real_commands_and_options(doc: str) -> None:
    documented = commands(doc)
    assert documented, f"{doc} has no command table"
    named = {" ".join(_words(template)) for template in documented}
    real = set()
    for word, subcommands in app_commands().items():
        real.update([f"{word} {sub}" for sub in subcommands] or [word])
    assert named == real, f"{doc}: documented {sorted(named)} vs real {sorted(real)}"
    for template in documented:
        words = _words(template)
        result = runner.invoke(app, [*words, "--help"], terminal_width=200)
        assert result.exit_code == 0, template
        for option in re.findall(r"--[a-z][a-z-]*", template):
            assert option in result.stdout, f"{doc}: `{template}`: synth has no {option}"
        for choices in re.findall(r"\[--[a-z-]+ ([a-z]+(?:\|[a-z]+)+)\]", template):
            for choice in choices.split("|"):
                assert choice in result.stdout, f"{doc}: `{template}`: no choice {choice}"


@pytest.mark.parametrize("doc", DOCS)
def test_every_documented_command_has_a_checked_example(doc: str) -> None:
    runs = [e.run for e in examples("SKILL.md") + examples("README.md")]
    for template in commands(doc):
        words = _words(template)
        flag = "--all" if "--all" in template else ""
        assert any(
            run.split()[1 : 1 + len(words)] == words and flag in run for run in runs
        ), f"{doc}: no checked example runs `{template}`"


def app_commands() -> dict[str, list[str]]:
    """Every top-level command of synth, with the sub-commands of a group (`spec new`)."""
    import typer.main

    group = typer.main.get_command(app)
    listing: dict[str, list[str]] = {}
    for name, command in getattr(group, "commands", {}).items():
        listing[name] = sorted(getattr(command, "commands", {}) or {})
    return listing


def test_skill_is_run_the_way_its_header_says() -> None:
    assert os.path.basename(__file__) in (ROOT / "SKILL.md").read_text(encoding="utf-8")
