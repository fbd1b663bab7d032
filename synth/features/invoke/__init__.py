"""The `invoke` feature: a typed client per service this one calls through Dapr invocation.

For `invokes: [{app_id: progress, methods: [summary, reset], get_methods: [summary]}]` it
generates, in `<pkg>/invocation.py` (the runtime synth/runtime/invoke/invocation.py, then a client
per target, built in `clients.py`):

    class ProgressClient:
        async def summary(self, body=None) -> InvokeResult   # GET, retried while unavailable
        async def reset(self, body=None) -> InvokeResult     # POST, never retried
    TargetUnavailableError   # transport failure, timeout, Dapr's 500 ERR_DIRECT_INVOKE (I-5)
    TargetError(status, body)  # the target itself answered 4xx/5xx (I-4)

Calls use the SDK's `invoke_method` (HTTP, contract R-4/R-5) with the `INVOKE_TIMEOUT_SECONDS`
timeout. The Resiliency documents for these targets come from the manifests, not from here.
`tests/test_invoke.py` is synth/runtime/invoke/test_invoke.py and a test per method (`tests.py`).
"""

from __future__ import annotations

from typing import ClassVar

from synth.codegen import Unit, build_docstring
from synth.codegen.runtime import runtime_units
from synth.errors import FeatureError
from synth.features.base import Contribution, DeployPieces, Feature, ReadmeSection, settings_units
from synth.features.invoke.clients import Target, client_units
from synth.features.invoke.deploy import deployment
from synth.features.invoke.tests import method_test_units
from synth.spec import FeatureName, ServiceSpec

__all__ = ["InvokeFeature"]

TIMEOUT_SECONDS = 10

_MODULE_DOC = (
    "Typed clients of the services {service} calls through Dapr service invocation (HTTP).\n\n"
    "Every call has the `INVOKE_TIMEOUT_SECONDS` timeout. GET methods are retried, a bounded "
    "number of times with backoff, while the target is unavailable; other verbs are never "
    "retried. A target that answers 4xx/5xx raises TargetError (with its status and body); one "
    "Dapr cannot reach raises TargetUnavailableError."
)


class InvokeFeature(Feature):
    """Typed Dapr service-invocation clients for the services this one calls."""

    name: ClassVar[FeatureName] = FeatureName.INVOKE
    requires: ClassVar[tuple[FeatureName, ...]] = (FeatureName.APP,)
    summary: ClassVar[str] = "typed service-invocation clients: timeout, GET retries, clear errors"
    dependencies: ClassVar[tuple[str, ...]] = ("aiohttp>=3.9",)

    def declared_in(self, spec: ServiceSpec) -> bool:
        return bool(spec.invokes)

    def missing(self, spec: ServiceSpec) -> str | None:
        if spec.invokes:
            return None
        return (
            "feature 'invoke' needs a service to call; add `invokes:` to the spec "
            "(or --invoke APP), or leave out invoke"
        )

    def deployment(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> DeployPieces:
        return deployment(spec, active)

    def contribute(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> Contribution:
        deploy = self.deployment(spec, active)
        if not spec.invokes:
            return Contribution()
        targets = [Target(i) for i in spec.invokes]
        classes = [t.cls for t in targets]
        if len(set(classes)) != len(classes):
            raise FeatureError(
                "two invoked app ids become the same client class; rename one of: "
                + ", ".join(i.app_id for i in spec.invokes)
            )
        module: list[Unit] = [
            Unit(build_docstring(_MODULE_DOC.format(service=spec.name))),
            *runtime_units("invoke/invocation.py", spec.package, docstring=False).units,
        ]
        tests = list(runtime_units("invoke/test_invoke.py", spec.package).units)
        for target in targets:
            module.extend(client_units(target))
            tests.extend(method_test_units(spec.package, target, TIMEOUT_SECONDS))
        rows = "\n".join(
            f"| `{t.spec.app_id}` | `{t.cls}` | "
            + ", ".join(f"`{m}` ({t.verb(m)})" for m in t.spec.methods)
            + " |"
            for t in targets
        )
        return Contribution(
            python={
                f"{spec.package}/settings.py": settings_units(deploy.env),
                f"{spec.package}/invocation.py": tuple(module),
                "tests/test_invoke.py": tuple(tests),
            },
            dependencies=self.dependencies,
            deploy=deploy,
            readme=(
                ReadmeSection(
                    "Service invocation",
                    "| app id | client | methods |\n|---|---|---|\n"
                    f"{rows}\n\n"
                    f"`{spec.package}.invocation` calls each method through Dapr (HTTP). GET "
                    "methods are retried while the target is unavailable; POST never is. "
                    "`TargetError` carries the target's own 4xx/5xx status and body; "
                    "`TargetUnavailableError` means Dapr could not reach it.",
                ),
            ),
        )
