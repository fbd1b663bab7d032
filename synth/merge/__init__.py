"""The three-way merge behind every command that writes into a folder that already has files."""

from synth.merge.table import Outcome, decide
from synth.merge.units import Unit, check_split, joined

__all__ = ["Outcome", "Unit", "check_split", "decide", "joined"]
