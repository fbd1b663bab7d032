"""The dedupe `state` offers pubsub (`synth.features.pubsub.hooks.Dedupe`): each event id once.

A delivery claims its event id with a first-write record before the handler runs, renews the
claim while it runs and marks it done after (`synth/runtime/state/claims.py`, written into
`<pkg>/subscribers.py` in place of pubsub's `run_handler`), with tests of those claims
(`synth/runtime/state/test_claims.py`).
"""

from __future__ import annotations

import libcst as cst

from synth.codegen import Unit, build_name, build_str, parsed_statement
from synth.codegen.runtime import runtime_units
from synth.spec import ServiceSpec

__all__ = [
    "claim_lease_seconds",
    "dedupe_first_topic_tests",
    "dedupe_readme",
    "dedupe_runner",
    "dedupe_topic_tests",
    "processed_ttl_seconds",
]

_CLAIMS = "state/claims.py"

_CLAIM_TESTS = "state/test_claims.py"
_EACH_TOPIC_TEST = "test_a_redelivered_event_is_handled_once"


def dedupe_runner(spec: ServiceSpec) -> tuple[Unit, ...]:
    """The claims and the `run_handler` that uses them (the runtime module, docstring aside)."""
    return runtime_units(_CLAIMS, spec.package, docstring=False).units


def _constant(name: str) -> int:
    """An integer constant of the claims runtime module: the module is where it is set."""
    for unit in runtime_units(_CLAIMS, "service", docstring=False).units:
        node = parsed_statement(unit.node)
        if unit.identity == ("assign", name) and isinstance(node, cst.SimpleStatementLine):
            statement = node.body[0]
            if isinstance(statement, cst.Assign) and isinstance(statement.value, cst.Integer):
                return statement.value.evaluated_value
    raise LookupError(f"{_CLAIMS} sets no integer {name}")


def processed_ttl_seconds() -> int:
    """How long a done claim is kept (`PROCESSED_TTL_SECONDS`)."""
    return _constant("PROCESSED_TTL_SECONDS")


def claim_lease_seconds() -> int:
    """How long a claim lives unless renewed (`CLAIM_LEASE_SECONDS`)."""
    return _constant("CLAIM_LEASE_SECONDS")


def dedupe_first_topic_tests(spec: ServiceSpec) -> tuple[Unit, ...]:
    """The claims' own tests (concurrent deliveries, renewal, release, store down).

    They are `synth/runtime/state/test_claims.py`'s, run on the first subscribed topic through
    the `FIRST` pubsub generates in `tests/test_pubsub.py`.
    """
    return tuple(u for u in _claim_tests(spec) if u.identity[-1] != _EACH_TOPIC_TEST)


def dedupe_topic_tests(spec: ServiceSpec) -> tuple[Unit, ...]:
    """A redelivery of each topic's event through its route is handled once (on `STORE`)."""
    store = cst.SimpleStatementLine(
        [cst.Assign([cst.AssignTarget(build_name("STORE"))], build_str(spec.state_store))]
    )
    tests = tuple(u for u in _claim_tests(spec) if u.identity[-1] == _EACH_TOPIC_TEST)
    return (Unit(store), *tests)


def _claim_tests(spec: ServiceSpec) -> tuple[Unit, ...]:
    return runtime_units(_CLAIM_TESTS, spec.package, docstring=False).units


def dedupe_readme() -> str:
    """The Events section's sentences on handling an event id once."""
    return (
        "An event id is handled once, even when two replicas get it at the same moment: a "
        "delivery first claims it with a first-write `processed:<topic>:<id>` record (a lease "
        f"of {claim_lease_seconds()} s, renewed while the handler runs, so the event of a "
        "process that died is free again within one lease), runs the handler, then marks the "
        "record done (kept "
        f"{processed_ttl_seconds()} s). A delivery of a done event answers `SUCCESS` without "
        "running; one that arrives while another holds the claim answers `RETRY`; a failed "
        "handler releases its claim for the redelivery."
    )
