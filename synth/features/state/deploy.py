"""What the `state` feature deploys: its state store Component (local Redis; Redis or PostgreSQL
in production), the variable naming it, a timeout-only Resiliency target and the egress rule to
the store."""

from __future__ import annotations

from collections.abc import Sequence

from synth.features.base import (
    ComponentDocs,
    ComponentPiece,
    DeployPieces,
    EnvVar,
    ResiliencyTarget,
)
from synth.manifests.components import (
    build_local_state_store,
    build_prod_state_store,
    shared_state_backend,
)
from synth.manifests.dapr_config import DAPR_CALL
from synth.manifests.network import state_store_egress
from synth.spec import FeatureName, ServiceSpec

__all__ = ["STATE_STORE", "deployment"]

STATE_STORE = "STATE_STORE"


def state_store_documents(name: str, users: Sequence[ServiceSpec]) -> ComponentDocs:
    """The state store `name` scoped to `users` (who must agree on its backend)."""
    scopes = [spec.name for spec in users]
    backend = shared_state_backend(name, users)
    return ComponentDocs(
        local=build_local_state_store(name, scopes),
        prod=(("", build_prod_state_store(name, backend, scopes)),),
    )


def deployment(spec: ServiceSpec, active: frozenset[FeatureName]) -> DeployPieces:
    """The state store's pieces."""
    store = spec.state_store
    return DeployPieces(
        env=(
            EnvVar(
                STATE_STORE,
                store,
                "Dapr state store component name",
                setting="str",
                deployed=True,
            ),
        ),
        components=(
            ComponentPiece("statestore", store, STATE_STORE, "state.", state_store_documents),
        ),
        # timeout only: the generated update_* helper retries ETag conflicts itself
        resiliency=(ResiliencyTarget("components", store, outbound=(("timeout", DAPR_CALL),)),),
        egress=(state_store_egress(spec.state_backend),),
    )
