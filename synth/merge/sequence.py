"""The three-way merge of keyed units (and of plain lines), the same for every kind of file.

`merge_units` matches base, ours and theirs by key among siblings and applies the one table
(`synth.merge.table.decide`) to each unit. What the table calls a conflict is looked at closer
before it is reported: units with parts of their own are merged part by part, then a
file-kind's own leaf merge may resolve it (the names of an import), then a line-based diff3 of
the unit's text (two edits on different lines of one function both stay). Only then is it a
conflict: reported with the line it starts on in the file on disk, or, under `--force`, settled
for theirs and listed.

Ours' order and bytes are kept for every unit that stays; a unit new in theirs goes right after
the nearest unit that precedes it in theirs and is in the result (else right before the nearest
one that follows it, else at the end).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from synth.merge.table import Outcome, decide
from synth.merge.units import Unit, joined

__all__ = ["Conflict", "Forced", "LeafMerge", "Merged", "merge_lines", "merge_units"]

LeafMerge = Callable[[Unit | None, Unit | None, Unit | None], str | None]


@dataclass(frozen=True)
class Conflict:
    """A piece both the owner and synth changed, differently."""

    path: str
    line: int
    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.key}: {self.reason}"


@dataclass(frozen=True)
class Forced:
    """An owner piece that `--force` replaced with synth's version or removed."""

    path: str
    line: int
    key: str
    action: str  # "replaced" | "removed"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.key}: your version {self.action}"


@dataclass(frozen=True)
class Merged:
    """The merged text and what the merge had to say about it."""

    text: str
    conflicts: tuple[Conflict, ...] = ()
    forced: tuple[Forced, ...] = ()


@dataclass
class _Report:
    path: str
    force: bool
    conflicts: list[Conflict]
    forced: list[Forced]

    def clash(self, line: int, key: str, reason: str, theirs: str | None) -> str | None:
        """A real conflict: listed, and settled for theirs under --force (ours kept otherwise)."""
        if self.force:
            action = "removed" if theirs is None else "replaced"
            self.forced.append(Forced(self.path, line, key, action))
            return theirs
        self.conflicts.append(Conflict(self.path, line, key, reason))
        return None


def merge_units(
    path: str,
    base: tuple[Unit, ...],
    ours: tuple[Unit, ...],
    theirs: tuple[Unit, ...],
    *,
    force: bool,
    leaf: LeafMerge | None = None,
) -> Merged:
    """Merge three cuts of one file (see the module docstring for the rules)."""
    report = _Report(path, force, [], [])
    text = _merge_level(report, "", base, ours, theirs, leaf)
    if report.conflicts:
        return Merged(joined(ours), tuple(report.conflicts), tuple(report.forced))
    return Merged(text, (), tuple(report.forced))


def _merge_level(
    report: _Report,
    prefix: str,
    base: Sequence[Unit],
    ours: Sequence[Unit],
    theirs: Sequence[Unit],
    leaf: LeafMerge | None,
) -> str:
    base_by_key = {u.key: u for u in base}
    ours_keys = {u.key for u in ours}
    theirs_by_key = {u.key: u for u in theirs}
    result: list[tuple[str, str]] = []
    for unit in ours:
        text = _merge_unit(
            report,
            prefix,
            base_by_key.get(unit.key),
            unit,
            theirs_by_key.get(unit.key),
            leaf,
        )
        if text is not None:
            result.append((unit.key, text))
    for index, unit in enumerate(theirs):
        if unit.key in ours_keys:
            continue
        if decide(_text(base_by_key.get(unit.key)), None, unit.text) is not Outcome.THEIRS:
            continue  # the owner deleted it: a deletion stays deleted
        result.insert(_place(result, theirs, index), (unit.key, unit.text))
    return "".join(text for _, text in result)


def _place(result: list[tuple[str, str]], theirs: Sequence[Unit], index: int) -> int:
    """Where a unit new in theirs goes: after its nearest present predecessor in theirs."""
    positions = {key: i for i, (key, _) in enumerate(result)}
    for before in reversed(theirs[:index]):
        if before.key in positions:
            return positions[before.key] + 1
    for after in theirs[index + 1 :]:
        if after.key in positions:
            return positions[after.key]
    return len(result)


def _text(unit: Unit | None) -> str | None:
    return None if unit is None else unit.text


def _first_line(unit: Unit) -> int:
    """Where a unit's own text starts: past the blank lines it owns above it."""
    text = unit.text
    return unit.line + len(text[: len(text) - len(text.lstrip("\n"))])


def _merge_unit(
    report: _Report,
    prefix: str,
    base: Unit | None,
    ours: Unit,
    theirs: Unit | None,
    leaf: LeafMerge | None,
) -> str | None:
    """The merged text of a unit that is on disk (None: it goes)."""
    outcome = decide(_text(base), ours.text, _text(theirs))
    if outcome is Outcome.THEIRS:
        return _text(theirs)
    if outcome is Outcome.OURS:
        return ours.text
    key = prefix + ours.key
    if theirs is None:
        reason = "you changed it; synth no longer generates it"
        kept = report.clash(_first_line(ours), key, reason, None)
        return kept if report.force else ours.text
    if (
        ours.children is not None
        and theirs.children is not None
        and (base is None or base.children is not None)
    ):
        return _merge_parts(report, key, base, ours, theirs, leaf)
    if leaf is not None and (merged := leaf(base, ours, theirs)) is not None:
        return merged
    if base is not None:
        lines = merge_lines(report.path, base.text, ours.text, theirs.text, force=False)
        if not lines.conflicts:
            return lines.text
    reason = (
        "you and synth both changed it, differently"
        if base is not None
        else "you and synth both added it, differently"
    )
    settled = report.clash(_first_line(ours), key, reason, theirs.text)
    return settled if report.force else ours.text


def _merge_parts(
    report: _Report,
    key: str,
    base: Unit | None,
    ours: Unit,
    theirs: Unit,
    leaf: LeafMerge | None,
) -> str:
    """A unit with parts: head and tail by the table, children by `merge_units`' rules."""
    pieces: list[str] = []
    for name, b, o, t in (
        ("head", None if base is None else base.head, ours.head, theirs.head),
        ("tail", None if base is None else base.tail, ours.tail, theirs.tail),
    ):
        outcome = decide(b, o, t)
        if outcome is Outcome.THEIRS:
            pieces.append(t)
            continue
        if outcome is Outcome.OURS:
            pieces.append(o)
            continue
        if b is not None:
            lines = merge_lines(report.path, b, o, t, force=False)
            if not lines.conflicts:
                pieces.append(lines.text)
                continue
        reason = f"you and synth both changed its {name}, differently"
        settled = report.clash(_first_line(ours), key, reason, t)
        pieces.append(t if report.force and settled is not None else o)
    children = _merge_level(
        report,
        key + "/",
        () if base is None or base.children is None else base.children,
        ours.children or (),
        theirs.children or (),
        leaf,
    )
    return pieces[0] + children + pieces[1]


def merge_lines(path: str, base: str, ours: str, theirs: str, *, force: bool) -> Merged:
    """A line-based three-way merge (diff3, like `git merge-file`).

    Regions only one side changed take that side; regions both changed the same way take it
    once; regions both changed differently (or that touch) are conflicts, reported at their
    first line in ours, or settled for theirs under `force`.
    """
    b = base.splitlines(keepends=True)
    o = ours.splitlines(keepends=True)
    t = theirs.splitlines(keepends=True)
    ours_ops = _opcodes(b, o)
    theirs_ops = _opcodes(b, t)
    hunks = sorted(
        [(i1, i2, "o") for tag, i1, i2, _, _ in ours_ops if tag != "equal"]
        + [(i1, i2, "t") for tag, i1, i2, _, _ in theirs_ops if tag != "equal"]
    )
    out: list[str] = []
    conflicts: list[Conflict] = []
    forced: list[Forced] = []
    position = 0
    index = 0
    while index < len(hunks):
        start, end, _ = hunks[index]
        index += 1
        while index < len(hunks) and hunks[index][0] <= end:
            end = max(end, hunks[index][1])
            index += 1
        out.extend(b[position:start])
        mine = o[_start(ours_ops, start) : _end(ours_ops, end)]
        yours = t[_start(theirs_ops, start) : _end(theirs_ops, end)]
        original = b[start:end]
        if mine == original:
            out.extend(yours)
        elif yours == original or mine == yours:
            out.extend(mine)
        else:
            line = _start(ours_ops, start) + 1
            if force:
                forced.append(Forced(path, line, f"lines {line}-{line + len(mine)}", "replaced"))
                out.extend(yours)
            else:
                conflicts.append(
                    Conflict(path, line, f"line {line}", "you and synth both changed these lines")
                )
                out.extend(mine)
        position = end
    out.extend(b[position:])
    if conflicts:
        return Merged(ours, tuple(conflicts), tuple(forced))
    return Merged("".join(out), (), tuple(forced))


_Opcode = tuple[str, int, int, int, int]


def _opcodes(base: list[str], other: list[str]) -> list[_Opcode]:
    return list(SequenceMatcher(None, base, other, autojunk=False).get_opcodes())


def _start(opcodes: list[_Opcode], at: int) -> int:
    """Where base line `at` falls in the other version (before anything inserted there)."""
    for tag, i1, i2, j1, _ in opcodes:
        if tag == "equal" and i1 <= at <= i2:
            return j1 + (at - i1)
        if tag != "equal" and at == i1:
            return j1
    return opcodes[-1][4] if opcodes else 0


def _end(opcodes: list[_Opcode], at: int) -> int:
    """Where base line `at` falls in the other version (after anything inserted there)."""
    for tag, i1, i2, j1, j2 in reversed(opcodes):
        if tag == "equal" and i1 <= at <= i2:
            return j1 + (at - i1)
        if tag != "equal" and at == i2:
            return j2
    return 0
