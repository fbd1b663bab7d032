"""The generic three-way merge: units by key, the table, placement, recursion, diff3."""

from __future__ import annotations

import pytest

from synth.merge import Unit, check_split, decide
from synth.merge.sequence import merge_lines, merge_units
from synth.merge.table import Outcome


def cut(text: str) -> tuple[Unit, ...]:
    """A toy splitter: one unit per `name = value` line (comment lines go with the next)."""
    units: list[Unit] = []
    pending = ""
    start = 1
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        if not pending:
            start = number
        pending += line
        if line.startswith("#") or not line.strip():
            continue
        units.append(Unit(f"key:{line.split('=')[0].strip()}", pending, start))
        pending = ""
    if pending:
        units.append(Unit("<footer>", pending, start))
    result = tuple(units)
    check_split(text, result)
    return result


def merge(base: str, ours: str, theirs: str, *, force: bool = False) -> tuple[str, list[str]]:
    merged = merge_units("f", cut(base), cut(ours), cut(theirs), force=force)
    return merged.text, [str(c) for c in merged.conflicts] + [str(f) for f in merged.forced]


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "outcome"),
    [
        ("a", "a", "b", Outcome.THEIRS),
        ("a", "b", "a", Outcome.OURS),
        ("a", "b", "b", Outcome.OURS),
        ("a", None, "a", Outcome.OURS),
        ("a", None, "b", Outcome.OURS),
        ("a", "b", None, Outcome.CONFLICT),
        ("a", "b", "c", Outcome.CONFLICT),
        (None, None, "c", Outcome.THEIRS),
        (None, "b", None, Outcome.OURS),
        (None, "b", "c", Outcome.CONFLICT),
        ("a", "a", None, Outcome.THEIRS),
    ],
)
def test_the_merge_table(
    base: str | None, ours: str | None, theirs: str | None, outcome: Outcome
) -> None:
    assert decide(base, ours, theirs) is outcome


def test_owner_unchanged_takes_theirs_and_new_units_follow_their_predecessor() -> None:
    base = "a = 1\nc = 3\n"
    ours = "a = 1\n# owner\nx = 9\nc = 3\n"
    theirs = "a = 1\nb = 2\nc = 4\n"
    assert merge(base, ours, theirs) == ("a = 1\nb = 2\n# owner\nx = 9\nc = 4\n", [])


def test_owner_comment_above_a_unit_makes_it_the_owners() -> None:
    base = "a = 1\nb = 2\n"
    ours = "a = 1\n# keep me\nb = 2\n"
    theirs = "a = 1\n"
    text, notes = merge(base, ours, theirs)
    assert text == ours
    assert notes == ["f:2: key:b: you changed it; synth no longer generates it"]


def test_force_settles_for_theirs_and_lists_each_owner_piece() -> None:
    base = "a = 1\nb = 2\n"
    ours = "a = 10\n# keep me\nb = 2\n"
    theirs = "a = 5\n"
    text, notes = merge(base, ours, theirs, force=True)
    assert text == "a = 5\n"
    assert notes == ["f:1: key:a: your version replaced", "f:2: key:b: your version removed"]


def test_an_owner_deletion_stays_deleted_even_when_synth_changed_it() -> None:
    assert merge("a = 1\nb = 2\n", "a = 1\n", "a = 1\nb = 3\n") == ("a = 1\n", [])


def test_both_added_the_same_unit_the_same_way() -> None:
    assert merge("a = 1\n", "a = 1\nb = 2\n", "a = 1\nb = 2\n") == ("a = 1\nb = 2\n", [])


def test_a_new_unit_without_a_present_predecessor_goes_before_its_successor() -> None:
    base = "a = 1\nc = 3\n"
    ours = "c = 3\n"
    theirs = "z = 0\na = 1\nc = 3\n"
    assert merge(base, ours, theirs) == ("z = 0\nc = 3\n", [])


def nested(key: str, head: str, children: tuple[Unit, ...], line: int = 1) -> Unit:
    text = head + "".join(c.text for c in children)
    return Unit(key, text, line, head=head, children=children)


def test_units_with_parts_merge_part_by_part() -> None:
    def settings(*fields: str) -> tuple[Unit, ...]:
        children = tuple(Unit(f"field:{f.split(':')[0].strip()}", f, 2) for f in fields)
        return (nested("class:Settings", "class Settings:\n", children),)

    base = settings("    a: int = 1\n")
    ours = settings("    a: int = 1  # owner note\n", "    mine: str = 'x'\n")
    theirs = settings("    a: int = 1\n", "    b: int = 2\n")
    merged = merge_units("s.py", base, ours, theirs, force=False)
    assert merged.conflicts == ()
    assert merged.text == (
        "class Settings:\n    a: int = 1  # owner note\n    b: int = 2\n    mine: str = 'x'\n"
    )


def test_edits_on_different_lines_of_one_unit_both_stay() -> None:
    base = (Unit("def:f", "def f():\n    x = 1\n    y = 2\n    return x + y\n", 1),)
    owner = "def f():\n    # owner: audit\n    x = 1\n    y = 2\n    return x + y\n"
    ours = (Unit("def:f", owner, 1),)
    theirs = (Unit("def:f", "def f():\n    x = 1\n    y = 3\n    return x + y\n", 1),)
    merged = merge_units("m.py", base, ours, theirs, force=False)
    assert merged.conflicts == ()
    assert merged.text == "def f():\n    # owner: audit\n    x = 1\n    y = 3\n    return x + y\n"


def test_a_conflict_keeps_ours_whole_and_names_the_line() -> None:
    merged = merge_units("m.py", cut("a = 1\n"), cut("# x\n\na = 2\n"), cut("a = 3\n"), force=False)
    assert merged.text == "# x\n\na = 2\n"
    assert [str(c) for c in merged.conflicts] == [
        "m.py:1: key:a: you and synth both changed it, differently"
    ]


def test_leaf_merge_resolves_what_the_table_cannot() -> None:
    def leaf(base: Unit | None, ours: Unit | None, theirs: Unit | None) -> str | None:
        return "a = merged\n"

    units = cut("a = 1\n"), cut("a = 2\n"), cut("a = 3\n")
    merged = merge_units("m", *units, force=False, leaf=leaf)
    assert (merged.text, merged.conflicts) == ("a = merged\n", ())


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "expected"),
    [
        ("1\n2\n3\n", "1\n2\n3\n", "1\n2\n4\n", "1\n2\n4\n"),
        ("1\n2\n3\n", "0\n1\n2\n3\n", "1\n2\n3\n4\n", "0\n1\n2\n3\n4\n"),
        ("1\n2\n3\n4\n5\n", "1\nX\n3\n4\n5\n", "1\n2\n3\n4\nY\n", "1\nX\n3\n4\nY\n"),
        ("1\n2\n3\n", "1\n3\n", "1\n2\n3\n", "1\n3\n"),
        ("1\n2\n3\n", "1\nX\n3\n", "1\nX\n3\n", "1\nX\n3\n"),
        ("", "a\n", "", "a\n"),
    ],
)
def test_merge_lines_clean(base: str, ours: str, theirs: str, expected: str) -> None:
    merged = merge_lines("f", base, ours, theirs, force=False)
    assert (merged.text, merged.conflicts) == (expected, ())


def test_merge_lines_conflict_and_force() -> None:
    clash = merge_lines("f", "1\n2\n3\n", "1\nX\n3\n", "1\nY\n3\n", force=False)
    assert clash.text == "1\nX\n3\n"
    assert [str(c) for c in clash.conflicts] == [
        "f:2: line 2: you and synth both changed these lines"
    ]
    forced = merge_lines("f", "1\n2\n3\n", "1\nX\n3\n", "1\nY\n3\n", force=True)
    assert (forced.text, forced.conflicts, len(forced.forced)) == ("1\nY\n3\n", (), 1)
