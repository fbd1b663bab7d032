"""The merge table: one rule for every unit, whatever kind of file it comes from.

base = what synth generated last time, ours = what is on disk, theirs = what synth generates
now. None means the unit is absent from that version. "Unchanged" is byte equality, comments
and layout included.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Outcome", "decide"]


class Outcome(StrEnum):
    """What the merge does with one unit."""

    OURS = "ours"  # keep what is on disk (which may be the unit's absence)
    THEIRS = "theirs"  # take what synth generates now (which may be the unit's absence)
    CONFLICT = "conflict"  # both changed it, differently: refuse (or, with --force, theirs)


def decide(base: str | None, ours: str | None, theirs: str | None) -> Outcome:
    """The one rule.

    | owner (ours vs base) | synth (theirs vs base) | outcome                  |
    |----------------------|------------------------|--------------------------|
    | unchanged            | anything               | theirs                   |
    | changed              | unchanged              | ours                     |
    | changed              | changed the same way   | ours (== theirs)         |
    | deleted              | changed                | ours: a deletion stays   |
    | changed              | changed differently    | conflict                 |
    """
    if ours == base:
        return Outcome.THEIRS
    if theirs == base or ours == theirs:
        return Outcome.OURS
    if ours is None and base is not None:
        return Outcome.OURS  # the owner deleted it; synth's newer version does not bring it back
    return Outcome.CONFLICT
