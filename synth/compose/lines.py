"""Line-oriented files synth co-owns with the user: `.gitignore`, `.env.example`.

Each entry is identified by its key (the ignore pattern, the variable name); missing entries are
appended in canonical order after their predecessor, existing ones are never touched.
"""

from __future__ import annotations

from collections.abc import Sequence

from synth.features.base import EnvVar

__all__ = ["ensure_env_example", "ensure_lines"]


def ensure_lines(text: str | None, lines: Sequence[str]) -> str:
    """Append the `lines` missing from `text` (one per line), keeping everything else."""
    existing = [] if text is None else text.splitlines()
    present = {line.strip() for line in existing}
    out = list(existing)
    for line in lines:
        if line.strip() not in present:
            out.append(line)
            present.add(line.strip())
    return "\n".join(out) + "\n"


def _env_block(var: EnvVar) -> list[str]:
    value = "" if var.secret else var.default
    note = " (secret: set it in your shell or .env, never commit it)" if var.secret else ""
    return [f"# {var.description}{note}", f"{var.name}={value}"]


def ensure_env_example(text: str | None, variables: Sequence[EnvVar]) -> str:
    """`.env.example`: one commented `NAME=default` per variable; existing names are kept."""
    existing = [] if text is None else text.splitlines()
    if not existing:
        existing = ["# Copy to .env for local runs; every value here is a safe default."]
    names = {line.split("=", 1)[0].strip() for line in existing if "=" in line}
    out = list(existing)
    for var in variables:
        if var.name not in names:
            out.extend(["", *_env_block(var)])
            names.add(var.name)
    return "\n".join(out) + "\n"
