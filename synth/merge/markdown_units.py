"""Markdown units: a README cut into its sections.

A section starts at each ATX heading of level 1 or 2 (`# Title`, `## Run it`) outside fenced
code, and runs to the next one; it is keyed by its heading's text, `section:Run it` (closing
`#`s and surrounding blanks dropped). Deeper headings (`###`) stay inside their section. Text
before the first heading is `<intro>`. A section owns the blank lines above its heading, so a
deleted section takes its separating blank line with it and an added one brings its own.

A section both sides changed is merged line by line (diff3); when that collides and only one
side changed the section's prose, its table rows are merged by their first cell (`| APP_ID |`),
so an owner's row and synth's new rows at the end of one table both arrive.
"""

from __future__ import annotations

import re

from synth.merge.sequence import LeafMerge, Merged, merge_lines, merge_units
from synth.merge.units import Unit

__all__ = ["merge_markdown", "split_markdown"]

# CommonMark: an ATX heading is up to three spaces, 1-6 `#`, then a blank or the line's end;
# a fence is up to three spaces and three or more backticks or tildes.
_HEADING = re.compile(r" {0,3}(#{1,2})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def split_markdown(text: str) -> tuple[Unit, ...]:
    """Cut Markdown text into `<intro>` and its `section:` units (empty text: no units)."""
    if not text:
        return ()
    rows = text.split("\n")
    if rows[-1] == "":
        rows.pop()
    starts: list[tuple[int, str]] = []  # (line index, key)
    fence = ""
    blank_from = -1
    for index, row in enumerate(rows):
        if fence:
            if row.lstrip(" ").startswith(fence) and not row.strip().strip(fence[0]):
                fence = ""
            blank_from = -1
            continue
        opening = _FENCE.match(row)
        if opening is not None:
            fence = opening.group(1)
            blank_from = -1
            continue
        if not row.strip():
            if blank_from < 0:
                blank_from = index
            continue
        heading = _HEADING.fullmatch(row)
        if heading is not None:
            title = (heading.group(2) or "").strip()
            starts.append((blank_from if blank_from >= 0 else index, f"section:{title}"))
        blank_from = -1
    offsets = [0]
    for row in rows:
        offsets.append(offsets[-1] + len(row) + 1)
    offsets[-1] = len(text)
    bounds = [(0, "<intro>"), *starts] if not starts or starts[0][0] > 0 else starts
    units: list[Unit] = []
    seen: dict[str, int] = {}
    for (start, key), (end, _) in zip(bounds, [*bounds[1:], (len(rows), "")], strict=True):
        count = seen.get(key, 0) + 1
        seen[key] = count
        unique = key if count == 1 else f"{key}#{count}"
        units.append(Unit(unique, text[offsets[start] : offsets[end]], start + 1))
    return tuple(units)


def merge_markdown(path: str, base: str, ours: str, theirs: str, *, force: bool) -> Merged:
    """Three-way merge of a Markdown file, section by section."""
    units = split_markdown(base), split_markdown(ours), split_markdown(theirs)
    return merge_units(path, *units, force=force, leaf=_section_leaf(path))


def _section_leaf(path: str) -> LeafMerge:
    def leaf(base: Unit | None, ours: Unit | None, theirs: Unit | None) -> str | None:
        if ours is None or theirs is None:
            return None
        old = base.text if base is not None else ""
        lines = merge_lines(path, old, ours.text, theirs.text, force=False)
        if not lines.conflicts:
            return lines.text
        if _prose(old) != _prose(ours.text) and _prose(old) != _prose(theirs.text):
            return None
        rows = merge_units(path, _rows(old), _rows(ours.text), _rows(theirs.text), force=False)
        return None if rows.conflicts else rows.text

    return leaf


def _prose(text: str) -> list[str]:
    """A section's lines other than table rows."""
    return [row for row in text.split("\n") if not row.lstrip().startswith("|")]


def _rows(text: str) -> tuple[Unit, ...]:
    """A section cut into lines: table rows keyed by their first cell, other lines by text."""
    units: list[Unit] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(text.splitlines(keepends=True), start=1):
        stripped = row.strip()
        if stripped.startswith("|"):
            key = "row:" + stripped.strip("|").split("|")[0].strip()
        else:
            key = f"line:{stripped}"
        count = seen.get(key, 0) + 1
        seen[key] = count
        units.append(Unit(key if count == 1 else f"{key}#{count}", row, number))
    return tuple(units)
