"""Line units: `.env.example` by variable, `.gitignore` / `.dockerignore` by pattern line.

- `.env.example`: `env:NAME` for each `NAME=value` (also `export NAME=value`); the comment and
  blank lines above a variable belong to it;
- `.gitignore`, `.dockerignore`: `line:PATTERN` for each pattern line (its text without the
  line break; order matters, `!` negations included); the comments and blank lines above a
  pattern belong to it.

In both, comment lines at the top of the file that a blank line separates from the first
record are `<header>`, and comment or blank lines after the last record are `<footer>`. A line
that is not a record (`.env` text that is not an assignment) is `line:TEXT`.

The helpers the data splitters share: `merge_comments_apart`, the leaf merge (for a unit both
sides changed that the table cannot recurse into): a unit's leading comment lines and its body
are merged apart, so an owner's comment above a key survives synth changing the key's value;
`keep_owner_parts`, so that a parent synth removed that still holds an owner's part keeps just
that part (an owner's env var on a container whose `env:` synth no longer writes); and
`key_at`, the key path of the unit on a line (where a conflict is).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from synth.merge.sequence import Merged, merge_units
from synth.merge.table import Outcome, decide
from synth.merge.units import Unit

__all__ = [
    "keep_owner_parts",
    "key_at",
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
    return merge_units(path, *units, force=force, leaf=merge_comments_apart)


def merge_ignore(path: str, base: str, ours: str, theirs: str, *, force: bool) -> Merged:
    """Three-way merge of a `.gitignore` / `.dockerignore`, pattern by pattern."""
    units = split_ignore(base), split_ignore(ours), split_ignore(theirs)
    return merge_units(path, *units, force=force, leaf=merge_comments_apart)


def keep_owner_parts(
    path: str, base: tuple[Unit, ...], ours: tuple[Unit, ...], theirs: tuple[Unit, ...]
) -> tuple[tuple[Unit, ...], tuple[Unit, ...]]:
    """Ours and theirs, prepared so that a parent synth removed keeps the owner's own parts.

    For a unit with parts that synth no longer writes and the owner changed only by adding or
    deleting whole parts (head and tail as synth wrote them): when the owner added parts, theirs
    gets the parent with no parts of its own, so the merge keeps just the owner's; when the
    owner only deleted parts, ours gets synth's version back, so the unit goes. Anything else is
    left for the merge to report.
    """
    base_by_key = {unit.key: unit for unit in base}
    theirs_by_key = {unit.key: unit for unit in theirs}
    mine: list[Unit] = []
    added: dict[str, Unit] = {}
    for unit in ours:
        old = base_by_key.get(unit.key)
        new = theirs_by_key.get(unit.key)
        if old is None or old.text == unit.text or old.children is None or unit.children is None:
            mine.append(unit)
            continue
        if new is not None and new.children is not None:
            inner_ours, inner_theirs = keep_owner_parts(
                path, old.children, unit.children, new.children
            )
            mine.append(_with_children(unit, inner_ours))
            theirs_by_key[unit.key] = _with_children(new, inner_theirs)
            continue
        if new is not None or (unit.head, unit.tail) != (old.head, old.tail):
            mine.append(unit)
            continue
        inner = merge_units(path, old.children, unit.children, (), force=False)
        if inner.conflicts:
            mine.append(unit)
        elif not inner.text:
            mine.append(old)  # the owner only deleted parts of it: it goes with synth's
        else:
            mine.append(unit)
            added[unit.key] = _with_children(old, ())
    return tuple(mine), _placed(base, tuple(theirs_by_key[u.key] for u in theirs), added)


def key_at(units: tuple[Unit, ...], line: int) -> str:
    """The key path (`doc:.../key:spec/key:replicas`) of the innermost unit on `line` (1-based)."""
    path: list[str] = []
    level: tuple[Unit, ...] | None = units
    while level:
        holder = None
        for unit in level:
            if unit.line <= line < unit.line + max(1, unit.text.count("\n")):
                holder = unit
        if holder is None:
            break
        path.append(holder.key)
        level = holder.children
    return "/".join(path) or "<file>"


def _with_children(unit: Unit, children: tuple[Unit, ...]) -> Unit:
    text = unit.head + "".join(child.text for child in children) + unit.tail
    return Unit(unit.key, text, unit.line, unit.head, children, unit.tail)


def _placed(
    base: tuple[Unit, ...], theirs: tuple[Unit, ...], added: dict[str, Unit]
) -> tuple[Unit, ...]:
    """`theirs` with the `added` units back where they were in base."""
    if not added:
        return theirs
    result = list(theirs)
    for index, unit in enumerate(base):
        if unit.key not in added:
            continue
        keys = [u.key for u in result]
        position = 0
        for before in reversed(base[:index]):
            if before.key in keys:
                position = keys.index(before.key) + 1
                break
        result.insert(position, added[unit.key])
    return tuple(result)


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
