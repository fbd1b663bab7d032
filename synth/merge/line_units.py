"""Line units: `.env.example` by variable, `.gitignore` / `.dockerignore` by pattern line.

- `.env.example`: `env:NAME` for each `NAME=value` (also `export NAME=value`); the comment and
  blank lines above a variable belong to it;
- `.gitignore`, `.dockerignore`: `line:PATTERN` for each pattern line (its text without the
  line break; order matters, `!` negations included); the comments and blank lines above a
  pattern belong to it.

In both, comment lines at the top of the file that a blank line separates from the first
record are `<header>`, and comment or blank lines after the last record are `<footer>`. A line
that is not a record (`.env` text that is not an assignment) is `line:TEXT`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from synth.merge.sequence import Merged, merge_units
from synth.merge.units import Unit

__all__ = ["merge_env", "merge_ignore", "split_env", "split_ignore"]

_ASSIGNMENT = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=")


def split_env(text: str) -> tuple[Unit, ...]:
    """Cut a `.env` / `.env.example` text into `env:NAME` units."""
    return _split(text, _env_key)


def split_ignore(text: str) -> tuple[Unit, ...]:
    """Cut a `.gitignore` / `.dockerignore` text into `line:PATTERN` units."""
    return _split(text, _ignore_key)


def merge_env(path: str, base: str, ours: str, theirs: str, *, force: bool) -> Merged:
    """Three-way merge of a `.env.example`, variable by variable."""
    return merge_units(path, split_env(base), split_env(ours), split_env(theirs), force=force)


def merge_ignore(path: str, base: str, ours: str, theirs: str, *, force: bool) -> Merged:
    """Three-way merge of a `.gitignore` / `.dockerignore`, pattern by pattern."""
    return merge_units(
        path, split_ignore(base), split_ignore(ours), split_ignore(theirs), force=force
    )


def _env_key(row: str) -> str:
    found = _ASSIGNMENT.match(row)
    return f"env:{found.group(1)}" if found else f"line:{row.strip()}"


def _ignore_key(row: str) -> str:
    return f"line:{row}"


def _split(text: str, key_of: Callable[[str], str]) -> tuple[Unit, ...]:
    if not text:
        return ()
    rows = text.split("\n")
    if rows[-1] == "":
        rows.pop()
    offsets = [0]
    for row in rows:
        offsets.append(offsets[-1] + len(row) + 1)
    offsets[-1] = len(text)
    records: list[tuple[int, int, str]] = []  # (first line of the unit, record line, key)
    lead = -1
    for index, row in enumerate(rows):
        stripped = row.strip()
        if not stripped or stripped[0] == "#":
            if lead < 0:
                lead = index
            continue
        records.append((lead if lead >= 0 else index, index, key_of(row)))
        lead = -1
    units: list[Unit] = []
    if records:
        header_end = _header_end(rows, records[0][0], records[0][1])
        if header_end > 0:
            units.append(Unit("<header>", text[: offsets[header_end]], 1))
            first, record, key = records[0]
            records[0] = (header_end, record, key)
    seen: dict[str, int] = {}
    for position, (start, _record, key) in enumerate(records):
        end = records[position + 1][0] if position + 1 < len(records) else _record + 1
        count = seen.get(key, 0) + 1
        seen[key] = count
        unique = key if count == 1 else f"{key}#{count}"
        units.append(Unit(unique, text[offsets[start] : offsets[end]], start + 1))
    footer = records[-1][1] + 1 if records else 0
    if footer < len(rows):
        units.append(Unit("<footer>", text[offsets[footer] :], footer + 1))
    return tuple(units)


def _header_end(rows: list[str], start: int, record: int) -> int:
    """Where the first record's own lines begin: after the file's top comments, if a blank
    line separates them from the comments directly above the record."""
    own = record
    while own > start and rows[own - 1].strip():
        own -= 1  # the comment lines directly above the record
    while own > start and not rows[own - 1].strip():
        own -= 1  # and the blank lines above those
    return own if any(rows[line].strip() for line in range(start, own)) else start
