"""Line units: `.env.example` by variable, `.gitignore` / `.dockerignore` by pattern line.

- `.env.example`: `env:NAME` for each `NAME=value` (also `export NAME=value`); the comment and
  blank lines above a variable belong to it;
- `.gitignore`, `.dockerignore`: `line:PATTERN` for each pattern line (its text without the
  line break; order matters, `!` negations included); the comments and blank lines above a
  pattern belong to it.

`data_leaf(path)` is the leaf merge the data splitters share (for a unit both sides changed
that the table cannot recurse into): a unit's leading comment lines and its body are merged
apart (`merge_comments_apart`), so an owner's comment above a key survives synth changing the
key's value; and a parent synth removed that still holds an owner's part keeps just that part
(an owner's env var on a container whose `env:` synth no longer writes).

In both, comment lines at the top of the file that a blank line separates from the first
record are `<header>`, and comment or blank lines after the last record are `<footer>`. A line
that is not a record (`.env` text that is not an assignment) is `line:TEXT`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from synth.merge.sequence import LeafMerge, Merged, merge_units
from synth.merge.table import Outcome, decide
from synth.merge.units import Unit

__all__ = [
    "data_leaf",
    "merge_comments_apart",
    "merge_env",
    "merge_ignore",
    "split_env",
    "split_ignore",
]

_ASSIGNMENT = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=")


def split_env(text: str) -> tuple[Unit, ...]:
    """Cut a `.env` / `.env.example` text into `env:NAME` units."""
    return _split(text, _env_key)


def split_ignore(text: str) -> tuple[Unit, ...]:
    """Cut a `.gitignore` / `.dockerignore` text into `line:PATTERN` units."""
    return _split(text, _ignore_key)


def merge_env(path: str, base: str, ours: str, theirs: str, *, force: bool) -> Merged:
    """Three-way merge of a `.env.example`, variable by variable."""
    units = split_env(base), split_env(ours), split_env(theirs)
    return merge_units(path, *units, force=force, leaf=data_leaf(path))


def merge_ignore(path: str, base: str, ours: str, theirs: str, *, force: bool) -> Merged:
    """Three-way merge of a `.gitignore` / `.dockerignore`, pattern by pattern."""
    units = split_ignore(base), split_ignore(ours), split_ignore(theirs)
    return merge_units(path, *units, force=force, leaf=data_leaf(path))


def data_leaf(path: str) -> LeafMerge:
    """The leaf merge of the data files' units (see the module's docstring)."""

    def leaf(base: Unit | None, ours: Unit | None, theirs: Unit | None) -> str | None:
        merged = merge_comments_apart(base, ours, theirs)
        if merged is None and theirs is None and base is not None and ours is not None:
            merged = _owner_parts_only(path, base, ours)
        return merged

    return leaf


def _owner_parts_only(path: str, base: Unit, ours: Unit) -> str | None:
    """A unit synth removed and the owner changed: the owner's parts, synth's gone.

    None (a conflict) unless only the unit's parts changed and the owner's changes are whole
    parts of their own (added ones), which stay under the unit's unchanged head.
    """
    if base.children is None or ours.children is None:
        return None
    if (ours.head, ours.tail) != (base.head, base.tail):
        return None
    inner = merge_units(path, base.children, ours.children, (), force=False, leaf=data_leaf(path))
    if inner.conflicts:
        return None
    if not inner.text:
        return ""
    return ours.head + inner.text + ours.tail


def merge_comments_apart(base: Unit | None, ours: Unit | None, theirs: Unit | None) -> str | None:
    """A unit both sides changed: its leading comment lines and its body, merged apart.

    None (a real conflict) when one part was changed differently by both, or when one side
    removed the unit the other changed (an owner's comment on it is owner content).
    """
    if ours is None or theirs is None:
        return None
    ours_lead, ours_body = _lead_and_body(ours.text)
    theirs_lead, theirs_body = _lead_and_body(theirs.text)
    base_lead, base_body = _lead_and_body(base.text) if base is not None else (None, None)
    parts = []
    for base_part, ours_part, theirs_part in (
        (base_lead, ours_lead, theirs_lead),
        (base_body, ours_body, theirs_body),
    ):
        outcome = decide(base_part, ours_part, theirs_part)
        if outcome is Outcome.CONFLICT:
            return None
        parts.append(ours_part if outcome is Outcome.OURS else theirs_part)
    return "".join(parts)


def _lead_and_body(text: str) -> tuple[str, str]:
    """The comment and blank lines a unit starts with, and the rest."""
    position = 0
    while position < len(text):
        newline = text.find("\n", position)
        row = text[position:] if newline < 0 else text[position : newline + 1]
        stripped = row.strip()
        if stripped and stripped[0] != "#":
            break
        position += len(row)
    return text[:position], text[position:]


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
