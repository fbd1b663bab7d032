"""Stand-in for the spec-shaped part of `tests/test_state.py`: `KEYS`, which state generates.

In a service it is the file's own (a `StateKey` per state key of the spec, at its top).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runtime test module imports this one
    from synth.runtime.state.test_state import StateKey

KEYS: "tuple[StateKey, ...]" = ()
