"""ruff as a gate: run the ruff binary on sources and return its findings (never `--fix`)."""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from synth.errors import GateError

__all__ = ["RuffFinding", "ruff_binary", "ruff_check_tree", "ruff_check_trees"]


@dataclass(frozen=True, order=True)
class RuffFinding:
    """One ruff violation."""

    path: str
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code} {self.message}"


def ruff_binary() -> str:
    from ruff.__main__ import find_ruff_bin  # the ruff wheel ships its binary and this finder

    return str(find_ruff_bin())


def ruff_check_tree(files: dict[str, str], config: str) -> list[RuffFinding]:
    """Lint `files` (relative path -> source) laid out in a scratch folder beside `config`.

    `config` is the text of the pyproject.toml that holds the `[tool.ruff]` settings, so the
    gate applies exactly the rules the generated project itself declares.
    """
    return ruff_check_trees([(files, config)])[0]


def ruff_check_trees(trees: list[tuple[dict[str, str], str]]) -> list[list[RuffFinding]]:
    """Lint several trees, each beside its own pyproject.toml, in ONE ruff process.

    Each tree is laid out in its own scratch subfolder with its config; ruff finds the nearest
    pyproject.toml for every file, so each tree is checked under its own rules.
    """
    with tempfile.TemporaryDirectory(prefix="synth-ruff-") as scratch:
        root = Path(scratch).resolve()
        for index, (files, config) in enumerate(trees):
            tree = root / f"t{index}"
            tree.mkdir()
            (tree / "pyproject.toml").write_text(config, encoding="utf-8")
            for rel, source in files.items():
                target = tree / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(source, encoding="utf-8")
        proc = subprocess.run(
            [
                ruff_binary(),
                "check",
                "--no-cache",
                "--output-format",
                "json",
                "--quiet",
                *(f"t{index}" for index in range(len(trees))),
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode not in (0, 1):
            raise GateError(f"ruff failed to run (exit {proc.returncode}): {proc.stderr.strip()}")
        findings: list[list[RuffFinding]] = [[] for _ in trees]
        for item in json.loads(proc.stdout or "[]"):
            parts = Path(item["filename"]).resolve().relative_to(root).parts
            index, path = int(parts[0][1:]), Path(*parts[1:]).as_posix()
            line = int(item["location"]["row"])
            findings[index].append(RuffFinding(path, line, str(item["code"]), str(item["message"])))
        return [sorted(found) for found in findings]
