"""Stand-in for `<package>/subscribers.py` with the state feature's dedupe in it.

There, the claims of `synth/runtime/state/claims.py` take the place of pubsub's `run_handler`.
"""

from synth.runtime.state.claims import (
    CLAIM_LEASE_SECONDS,
    CLAIM_RENEWAL_SECONDS,
    PROCESSED_TTL_SECONDS,
    run_handler,
)

__all__ = [
    "CLAIM_LEASE_SECONDS",
    "CLAIM_RENEWAL_SECONDS",
    "PROCESSED_TTL_SECONDS",
    "run_handler",
]
