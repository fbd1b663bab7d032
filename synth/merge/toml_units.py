"""TOML units: pyproject.toml cut into its tables, their keys, and dependency lines.

- a table is `table:NAME` (`[project]` -> `table:project`, `[[x]]` repeated -> `table:x#2`);
  its head is the comments above its header and the header line, its children its keys;
- a key is `key:NAME` (dotted and quoted keys by their parts: `"a".b` -> `key:a.b`), top-level
  keys before the first table included;
- an array of strings written one item per line (`dependencies = [` ... `]`) has its items as
  children: in a dependency array (`project.dependencies`, `project.optional-dependencies.*`,
  `build-system.requires`, `dependency-groups.*`) keyed by requirement name, `dep:openai-agents`,
  so that an owner's pin `"openai-agents==0.24.3",  # owner: pinned` is the same unit as synth's
  `"openai-agents>=0.24",`; elsewhere by value, `item:=VALUE`. Its head is the `key = [` line,
  its tail the comments before `]` and the `]` line;
- comments and blank lines after the last key of the file are `<footer>`.

A unit owns the comment and blank lines above it. The cut is exact for any text; a line that
is neither a key, a table header nor a comment is a unit of its own, `line:TEXT`.
"""

from __future__ import annotations

import json
import re
import tomllib
from bisect import bisect_right
from dataclasses import dataclass, replace

from synth.merge.line_units import keep_owner_parts, key_at, merge_comments_apart
from synth.merge.sequence import Conflict, Merged, merge_units
from synth.merge.units import Unit

__all__ = ["merge_toml", "split_toml"]

_ITEM = re.compile(r"""[ \t]*("(?:[^"\\]|\\.)*"|'[^'\n]*')[ \t]*,?[ \t]*(?:#.*)?""")
_CLOSE = re.compile(r"[ \t]*\][ \t]*,?[ \t]*(?:#.*)?")
_REQUIREMENT_NAME = re.compile(r"[ \t]*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
_AT_LINE = re.compile(r"at line (\d+)")
_DEPENDENCY_TABLES = ("project.optional-dependencies", "dependency-groups")


def split_toml(text: str) -> tuple[Unit, ...]:
    """Cut TOML text into units (empty text: no units)."""
    return _Cutter(text).cut() if text else ()


def merge_toml(path: str, base: str, ours: str, theirs: str, *, force: bool) -> Merged:
    """Three-way merge of a TOML file; a result that no longer parses (tomllib) is a conflict."""
    known = split_toml(base)
    mine, synth = keep_owner_parts(path, known, split_toml(ours), split_toml(theirs))
    merged = merge_units(path, known, mine, synth, force=force, leaf=merge_comments_apart)
    if merged.conflicts:
        return Merged(ours, merged.conflicts, merged.forced)
    if merged.text in (ours, theirs):
        return merged
    try:
        tomllib.loads(merged.text)
    except tomllib.TOMLDecodeError as error:
        found = _AT_LINE.search(str(error))
        line = int(found.group(1)) if found else 1
        key = key_at(split_toml(merged.text), line)
        reason = f"the merged TOML does not parse: {error}"
        return Merged(ours, (Conflict(path, line, key, reason),), merged.forced)
    return merged


def requirement_name(requirement: str) -> str | None:
    """A PEP 508 requirement's name, normalized (PEP 503): `Foo_Bar[x]>=1` -> `foo-bar`."""
    found = _REQUIREMENT_NAME.match(requirement)
    if found is None:
        return None
    return re.sub(r"[-_.]+", "-", found.group(1)).lower()


@dataclass
class _Table:
    key: str
    name: str
    start: int  # char offset
    line: int
    head_end: int
    children: list[Unit]


class _Cutter:
    """One pass over the lines: tables, keys (with their whole values) and array items."""

    def __init__(self, text: str) -> None:
        self.text = text
        rows = text.split("\n")
        if rows and rows[-1] == "":
            rows.pop()
        self.rows = rows
        offsets = [0]
        for row in rows:
            offsets.append(offsets[-1] + len(row) + 1)
        offsets[-1] = min(offsets[-1], len(text))
        self.offsets = offsets

    def cut(self) -> tuple[Unit, ...]:
        rows, offsets, text = self.rows, self.offsets, self.text
        top: list[Unit] = []
        table: _Table | None = None
        lead = -1
        index = 0
        while index < len(rows):
            stripped = rows[index].strip()
            if not stripped or stripped[0] == "#":
                if lead < 0:
                    lead = index
                index += 1
                continue
            begin = lead if lead >= 0 else index
            lead = -1
            if stripped[0] == "[":
                if table is not None:
                    top.append(self._close(table))
                name = _dotted(stripped.strip("[]").split("#")[0].strip().rstrip("]").strip())
                table = _Table(f"table:{name}", name, offsets[begin], begin, offsets[index + 1], [])
                index += 1
                continue
            stop, unit = self._entry(begin, index, table.name if table else "")
            (table.children if table is not None else top).append(unit)
            index = stop
        if table is not None:
            top.append(self._close(table))
        if lead >= 0:
            top.append(Unit("<footer>", text[offsets[lead] :], lead + 1))
        return _unique(top)

    def _close(self, table: _Table) -> Unit:
        children = _unique(table.children)
        end = table.head_end + sum(len(child.text) for child in children)
        body = self.text[table.start : end]
        head = self.text[table.start : table.head_end]
        return Unit(table.key, body, table.line + 1, head=head, children=children)

    def _entry(self, begin: int, index: int, table: str) -> tuple[int, Unit]:
        """The key (or stray line) on line `index`, with its comments from `begin`."""
        rows, offsets, text = self.rows, self.offsets, self.text
        row = rows[index]
        equals = _key_end(row)
        if equals < 0:
            stray = text[offsets[begin] : offsets[index + 1]]
            return index + 1, Unit(f"line:{row.strip()}", stray, begin + 1)
        name = _dotted(row[:equals])
        stop = self._value_end(offsets[index] + equals + 1, index)
        body = text[offsets[begin] : offsets[stop]]
        items = self._items(index, stop, _is_dependencies(table, name))
        if items is None:
            return stop, Unit(f"key:{name}", body, begin + 1)
        head = text[offsets[begin] : offsets[index + 1]]
        tail_start = offsets[index + 1] + sum(len(item.text) for item in items)
        tail = text[tail_start : offsets[stop]]
        return stop, Unit(f"key:{name}", body, begin + 1, head=head, children=items, tail=tail)

    def _items(self, index: int, stop: int, dependencies: bool) -> tuple[Unit, ...] | None:
        """An array of strings written one per line, as its item units; None otherwise."""
        rows, offsets, text = self.rows, self.offsets, self.text
        opening = rows[index]
        value = opening[_key_end(opening) + 1 :].strip()
        if value.split("#")[0].strip() != "[" or stop - index < 2:
            return None
        if _CLOSE.fullmatch(rows[stop - 1]) is None:
            return None
        items: list[Unit] = []
        lead = -1
        for line in range(index + 1, stop - 1):
            stripped = rows[line].strip()
            if not stripped or stripped[0] == "#":
                if lead < 0:
                    lead = line
                continue
            found = _ITEM.fullmatch(rows[line])
            if found is None:
                return None
            begin = lead if lead >= 0 else line
            lead = -1
            value_text = _string(found.group(1))
            key = f"item:={value_text}"
            if dependencies:
                name = requirement_name(value_text)
                key = f"dep:{name}" if name else key
            items.append(Unit(key, text[offsets[begin] : offsets[line + 1]], begin + 1))
        return _unique(items) if items else None

    def _value_end(self, position: int, index: int) -> int:
        """The line after the one where the value starting at char `position` ends."""
        text = self.text
        size = len(text)
        depth = 0
        while position < size:
            char = text[position]
            if char in "\"'":
                triple = char * 3
                if text.startswith(triple, position):
                    close = text.find(triple, position + 3)
                    position = size if close < 0 else close + 3
                    while position < size and text[position] == char:
                        position += 1  # up to two quotes may touch the closing delimiter
                    continue
                position = _string_end(text, position)
                continue
            if char == "#":
                newline = text.find("\n", position)
                position = size if newline < 0 else newline
                continue
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
            elif char == "\n" and depth <= 0:
                break
            position += 1
        return self._line_of(position) + 1

    def _line_of(self, position: int) -> int:
        """The index of the line holding char `position` (the last line at the end)."""
        return max(0, min(bisect_right(self.offsets, position) - 1, len(self.rows) - 1))


def _unique(units: list[Unit] | tuple[Unit, ...]) -> tuple[Unit, ...]:
    seen: dict[str, int] = {}
    result: list[Unit] = []
    for unit in units:
        count = seen.get(unit.key, 0) + 1
        seen[unit.key] = count
        if count > 1:
            unit = replace(unit, key=f"{unit.key}#{count}")
        result.append(unit)
    return tuple(result)


def _is_dependencies(table: str, key: str) -> bool:
    if (table, key) in (("project", "dependencies"), ("build-system", "requires")):
        return True
    if table in _DEPENDENCY_TABLES:
        return True
    return table == "project" and key.startswith("optional-dependencies.")


def _key_end(row: str) -> int:
    """The index of the `=` that ends the key on `row`, outside quotes; -1 if none."""
    quote = ""
    for position, char in enumerate(row):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "=":
            return position if row[:position].strip() else -1
        elif char == "#":
            return -1
    return -1


def _dotted(key: str) -> str:
    """A dotted key's parts, unquoted and joined by dots: ` "a" . b ` -> `a.b`."""
    parts: list[str] = []
    current = ""
    quote = ""
    for char in key:
        if quote:
            if char == quote:
                quote = ""
            else:
                current += char
        elif char in "\"'":
            quote = char
        elif char == ".":
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return ".".join(parts)


def _string_end(text: str, position: int) -> int:
    """The index after a one-line string opening at `position` (or the line's end)."""
    quote = text[position]
    index = position + 1
    size = len(text)
    while index < size:
        char = text[index]
        if char == "\\" and quote == '"':
            index += 2
            continue
        if char == quote:
            return index + 1
        if char == "\n":
            return index
        index += 1
    return size


def _string(literal: str) -> str:
    if literal[0] == "'":
        return literal[1:-1]
    try:
        value = json.loads(literal)
    except ValueError:
        return literal[1:-1]
    return value if isinstance(value, str) else literal[1:-1]
