"""The service README as `## ` sections identified by heading, and a configuration table by row.

Missing sections are inserted after their canonical predecessor; a section the owner has is
never rewritten, except that missing rows are added to the configuration table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from synth.features.base import EnvVar, ReadmeSection

__all__ = ["ensure_readme"]

CONFIG_HEADING = "Configuration"


@dataclass
class _Section:
    heading: str
    lines: list[str]


def _parse(text: str) -> tuple[list[str], list[_Section]]:
    preamble: list[str] = []
    sections: list[_Section] = []
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if line.startswith("## ") and not fenced:
            sections.append(_Section(line[3:].strip(), []))
        elif sections:
            sections[-1].lines.append(line)
        else:
            preamble.append(line)
    return preamble, sections


def _render(preamble: list[str], sections: list[_Section]) -> str:
    out = list(preamble)
    for section in sections:
        out.append(f"## {section.heading}")
        out.extend(section.lines)
    return "\n".join(out).rstrip("\n") + "\n"


def _row(var: EnvVar) -> str:
    default = "(secret)" if var.secret else f"`{var.default}`"
    return f"| `{var.name}` | {default} | {var.description} |"


def ensure_readme(
    text: str | None,
    title: str,
    intro: str,
    sections: Sequence[ReadmeSection],
    variables: Sequence[EnvVar],
) -> str:
    """The README with every section and configuration row present."""
    if text is None:
        text = f"# {title}\n\n{intro}\n"
    preamble, existing = _parse(text)
    wanted = [*sections, ReadmeSection(CONFIG_HEADING, _config_body(variables))]
    for index, section in enumerate(wanted):
        if any(s.heading == section.heading for s in existing):
            continue
        position = 0
        for before in reversed(wanted[:index]):
            found = [i for i, s in enumerate(existing) if s.heading == before.heading]
            if found:
                position = found[0] + 1
                break
        else:
            position = len(existing) if index else 0
        existing.insert(position, _Section(section.heading, ["", *section.body.splitlines(), ""]))
    for present in existing:
        if present.heading == CONFIG_HEADING:
            _ensure_rows(present, variables)
    if preamble and preamble[-1] != "":
        preamble.append("")
    return _render(preamble, existing)


def _config_body(variables: Sequence[EnvVar]) -> str:
    rows = "\n".join(_row(v) for v in variables)
    return (
        "Settings come from the environment (and `.env`; see `.env.example`).\n\n"
        f"| variable | default | meaning |\n|---|---|---|\n{rows}"
    )


def _ensure_rows(section: _Section, variables: Sequence[EnvVar]) -> None:
    names = {
        line.split("|")[1].strip().strip("`") for line in section.lines if line.startswith("| `")
    }
    table_end = max((i for i, line in enumerate(section.lines) if line.startswith("|")), default=-1)
    if table_end < 0:
        return
    for var in variables:
        if var.name not in names:
            table_end += 1
            section.lines.insert(table_end, _row(var))
            names.add(var.name)
