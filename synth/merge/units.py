"""Units: a file cut into keyed pieces of its own text, which the three-way merge compares.

A splitter turns one file's text into a tuple of `Unit`s whose texts, joined, give back the
file byte for byte. A unit owns the comments and blank lines above it. A unit that has parts
of its own (a class and its fields, a YAML mapping and its keys) carries them as `children`:
its text is then exactly `head + "".join(child.text for child in children) + tail`.

Keys are unique among siblings (a splitter adds `#2`, `#3` to repeated identities) and say
what a piece *is*, never where it sits: `def:read_event`, `assign:redis_url`,
`doc:apps/v1/Deployment/debug`, `key:metadata`, `item:name=http`, `section:Deploy`,
`env:OPENAI_API_KEY`, `line:.venv/`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Unit", "joined", "check_split"]


@dataclass(frozen=True)
class Unit:
    """One keyed piece of a file: its exact text, where it starts, and its parts (if any)."""

    key: str
    text: str
    line: int
    head: str = ""
    children: tuple[Unit, ...] | None = None
    tail: str = ""

    @property
    def own(self) -> str:
        """The unit's text outside its children (all of it when it has none)."""
        return self.text if self.children is None else self.head + "\x00" + self.tail


def joined(units: tuple[Unit, ...]) -> str:
    """The text the units were cut from."""
    return "".join(u.text for u in units)


def check_split(text: str, units: tuple[Unit, ...]) -> None:
    """Raise AssertionError unless `units` is an exact, consistent cut of `text`.

    Splitters call this in their tests; it checks the join, the nesting invariant and that
    keys are unique among siblings.
    """
    assert joined(units) == text, "units do not join back to the text"
    _check_level(units)


def _check_level(units: tuple[Unit, ...]) -> None:
    keys = [u.key for u in units]
    assert len(keys) == len(set(keys)), f"repeated keys among siblings: {keys}"
    for unit in units:
        if unit.children is not None:
            inner = unit.head + joined(unit.children) + unit.tail
            assert inner == unit.text, f"{unit.key}: head + children + tail != text"
            _check_level(unit.children)
