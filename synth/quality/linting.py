"""ruff as a gate: run the ruff binary on sources and return its findings (never `--fix`)."""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from synth.errors import GateError

__all__ = ["RuffFinding", "ruff_binary", "ruff_check_tree"]


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
    gate applies exactly the rules the generated project itself declares. One ruff process
    checks every file.
    """
    with tempfile.TemporaryDirectory(prefix="synth-ruff-") as scratch:
        root = Path(scratch)
        (root / "pyproject.toml").write_text(config, encoding="utf-8")
        for rel, source in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(source, encoding="utf-8")
        proc = subprocess.run(
            [
                ruff_binary(),
                "check",
                "--no-cache",
                "--config",
                str(root / "pyproject.toml"),
                "--output-format",
                "json",
                "--quiet",
                ".",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode not in (0, 1):
            raise GateError(f"ruff failed to run (exit {proc.returncode}): {proc.stderr.strip()}")
        findings = []
        for item in json.loads(proc.stdout or "[]"):
            rel = Path(item["filename"]).resolve().relative_to(root.resolve()).as_posix()
            line = int(item["location"]["row"])
            findings.append(RuffFinding(rel, line, str(item["code"]), str(item["message"])))
        return sorted(findings)
