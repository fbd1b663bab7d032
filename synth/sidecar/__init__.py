"""synth's local sidecar: a Dapr-API-compatible **local runtime** -- it is *not* daprd.

It serves the subset of the Dapr HTTP API v1.0 and gRPC API that synth's generated services
use (state, publish / subscribe, service invocation, health, metadata), following the numbered
contract in ``shared/dapr/contract.md``, with in-memory or Redis backends and a Kafka pub/sub
(``pubsub.kafka`` on aiokafka, against Kafka or a local Tansu); app health checks (H-5) pause
deliveries while the app is unhealthy.  It exists because a real ``daprd`` cannot be installed
in synth's environments; production still runs daprd.

Public API: :class:`SidecarConfig`, :class:`RedeliveryPolicy`, :class:`Sidecar`,
:class:`MemoryBackend`, :class:`NameRegistry` (+ the process-wide ``REGISTRY``) and
``python -m synth.sidecar`` (see :mod:`synth.sidecar.__main__`).
"""

from __future__ import annotations

from .backends import BackendError, MemoryBackend
from .components import ManifestError
from .config import RUNTIME_VERSION, RedeliveryPolicy, SidecarConfig
from .invocation import REGISTRY, NameRegistry
from .runtime import Sidecar

__all__ = [
    "REGISTRY",
    "RUNTIME_VERSION",
    "BackendError",
    "ManifestError",
    "MemoryBackend",
    "NameRegistry",
    "RedeliveryPolicy",
    "Sidecar",
    "SidecarConfig",
]
