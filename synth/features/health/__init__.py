"""The `health` feature (always on): `/health` liveness and `/ready` readiness.

@health_router.get("/health")   -> {"status": "ok"}; touches no dependency
@health_router.get("/ready")    -> 200 {"status": "ready"} or 503 {"status": "unavailable",
                                   "reason": "Dapr sidecar unreachable at ..."}
@readiness_note("agent")        -> another module adds `"agent": "<note>"` to `/ready` while its
                                   function returns a note; readiness stays about the sidecar
"""

from __future__ import annotations

from typing import ClassVar

from synth.codegen import Unit, build_name, build_template_units
from synth.codegen.runtime import runtime_units
from synth.features.base import Contribution, Feature, ReadmeSection
from synth.spec import FeatureName, ServiceSpec

__all__ = ["HealthFeature"]

_MAIN = """
from {package}.health import health_router

app.include_router(health_router)
"""


class HealthFeature(Feature):
    """Liveness and readiness endpoints."""

    name: ClassVar[FeatureName] = FeatureName.HEALTH
    requires: ClassVar[tuple[FeatureName, ...]] = (FeatureName.APP,)
    summary: ClassVar[str] = "/health liveness (no dependencies) and /ready sidecar readiness"
    always: ClassVar[bool] = True

    def contribute(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> Contribution:
        package = build_name(spec.package)
        main = build_template_units(_MAIN, package=package).units
        main_units = tuple(Unit(u.node, u.imports, anchor=("assign", "app")) for u in main)
        return Contribution(
            python={
                f"{spec.package}/health.py": runtime_units("health/health.py", spec.package).units,
                f"{spec.package}/main.py": main_units,
                "tests/test_health.py": runtime_units("health/test_health.py", spec.package).units,
            },
            readme=(
                ReadmeSection(
                    "Health",
                    "- `GET /health`: liveness; answers 200 without touching Dapr (the Dapr "
                    "app health check and the Kubernetes liveness probe use it).\n"
                    "- `GET /ready`: readiness; 200 once the Dapr sidecar answers, 503 with "
                    "the reason until then. Parts of the service that are switched off add a "
                    "note (`@readiness_note`), which never changes readiness.",
                ),
            ),
        )
