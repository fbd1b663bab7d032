"""Stand-in for the spec-shaped part of `tests/test_pubsub.py`, which pubsub builds from topics.

The runtime test modules that land in that file import these names from here; in a service
they are the file's own (generated from the spec at its top), so those imports are dropped.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runtime test module imports this one
    from synth.runtime.pubsub.test_pubsub import Published, Topic

PUBLISHED: "tuple[Published, ...]" = ()
PUBSUB = "pubsub"
STORE = "statestore"
SUBSCRIBED: "tuple[Topic, ...]" = ()
