"""What a feature is, and what it contributes to a service.

A feature is one class in one package of this package: a name, the features it requires, a
one-line summary, and `contribute(spec, active)`, a pure function from the spec to the units,
dependencies, deploy pieces and README sections it owns. Features never write files, never
import each other's internals, and never add imports by hand: their units declare what they
need and one pass adds it.

A feature's deploy pieces (`DeployPieces`, built in its `deploy.py` with the `synth.manifests`
builders) hold its environment variables, each declared once as an `EnvVar` that feeds
`.env.example`, the README, the Settings fields (`settings_units`), the ConfigMap or Secret
reference and `synth check`; its Dapr Components, Resiliency targets, NetworkPolicy egress, and
what its code waits for. `manifests/` assembles the pieces and never asks which features are on.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar

import libcst as cst
from ruamel.yaml.comments import CommentedMap

from synth.codegen import ImportRequest, Unit, build_str, parsed_statement
from synth.codegen.template import names_in
from synth.spec import FeatureName, ServiceSpec

__all__ = [
    "ComponentDocs",
    "ComponentPiece",
    "Contribution",
    "DeployPieces",
    "EnvVar",
    "Feature",
    "HandlerBudget",
    "ReadmeSection",
    "ResiliencyTarget",
    "SecretRef",
    "TopicUse",
    "deployment_of",
    "settings_units",
    "with_settings_fields",
]


@dataclass(frozen=True)
class SecretRef:
    """Where a secret variable's value comes from in a cluster: a key of a Kubernetes Secret,
    only ever referenced. `optional`: the pod starts without it (the feature runs degraded);
    `reason`: why the value is an environment variable (the CKV_K8S_35 skip's text)."""

    secret: str
    key: str
    optional: bool = False
    reason: str = ""


@dataclass(frozen=True)
class EnvVar:
    """A setting the service reads from its environment: one declaration for `.env.example`,
    the README, the Settings field, the ConfigMap or Secret reference, and `synth check`.

    `setting`: the Settings field's annotation (`str`, `int`, `SecretStr | None`), None when
    the service's own settings do not read it (the Dapr SDK does); `field_default`: the field's
    default as Python source when it is not `default` itself (a str is quoted). `deployed`: in
    the ConfigMap (True: with `default`; a str: with that value; False: not there, e.g. set by
    the Dapr injector, or left to its default). `secret_ref`: set from a Secret in a cluster.
    `listed`: shown in `.env.example` and the README's table.
    """

    name: str
    default: str
    description: str
    secret: bool = False
    setting: str | None = None
    field_default: str | None = None
    deployed: bool | str = False
    secret_ref: SecretRef | None = None
    listed: bool = True

    @property
    def deployed_value(self) -> str | None:
        """The ConfigMap's value of the variable, or None when the ConfigMap does not set it."""
        if self.deployed is False:
            return None
        return self.default if self.deployed is True else self.deployed


@dataclass(frozen=True)
class ComponentDocs:
    """A Dapr Component as its users deploy it: the local document, and the production ones
    (`("", component)` first, then extras by file suffix, e.g. `("kafka-user", user)`)."""

    local: CommentedMap
    prod: tuple[tuple[str, CommentedMap], ...]


@dataclass(frozen=True)
class ComponentPiece:
    """A Dapr Component a feature's code calls, by name. Services naming the same component
    share one document in a platform, scoped to all of them.

    `file`: the service's `components/{local,prod}/<file>.yaml`; `env`: the variable that names
    it; `type_prefix`: the component types the code works with (`state.`); `build`: the
    documents for the component's name and its users (a module-level function: plans cross
    process boundaries).
    """

    file: str
    name: str
    env: str
    type_prefix: str
    build: Callable[[str, Sequence[ServiceSpec]], ComponentDocs]


@dataclass(frozen=True)
class ResiliencyTarget:
    """A Resiliency target and the policies it names: `kind` `components` (outbound, and
    inbound besides the handler timeout every inbound target gets) or `apps` (outbound)."""

    kind: str
    name: str
    outbound: tuple[tuple[str, str], ...] = ()
    inbound: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class HandlerBudget:
    """How long an inbound event's handler may run: the Resiliency's inbound timeout policy,
    which must outlast `seconds` of `what` (else Dapr redelivers while `busy`)."""

    policy: str
    seconds: int
    what: str
    busy: str


@dataclass(frozen=True)
class TopicUse:
    """The topics the service's code uses through pubsub component `pubsub`."""

    pubsub: str
    subscribes: tuple[str, ...] = ()
    publishes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeployPieces:
    """What a feature deploys, built with the `synth.manifests` builders; `manifests/`
    assembles the pieces of a service's features and never asks which features are on.

    `egress`: NetworkPolicy egress rules (plain mappings); `handler`: the inbound handler
    budget (the longest declared wins); `topics`: the events the code subscribes and publishes.
    """

    env: tuple[EnvVar, ...] = ()
    components: tuple[ComponentPiece, ...] = ()
    resiliency: tuple[ResiliencyTarget, ...] = ()
    egress: tuple[Mapping[str, object], ...] = ()
    handler: HandlerBudget | None = None
    topics: TopicUse | None = None

    @property
    def secret_env(self) -> tuple[EnvVar, ...]:
        """The variables set from Secrets."""
        return tuple(v for v in self.env if v.secret_ref is not None)

    @property
    def plain_env(self) -> dict[str, str]:
        """The ConfigMap's variables and values, in declaration order."""
        found = ((v.name, v.deployed_value) for v in self.env)
        return {name: value for name, value in found if value is not None}

    @staticmethod
    def merge(pieces: Iterable[DeployPieces]) -> DeployPieces:
        """The pieces of several features, in the given (plan) order."""
        merged = list(pieces)
        handlers = [p.handler for p in merged if p.handler is not None]
        topics = [p.topics for p in merged if p.topics is not None]
        return DeployPieces(
            env=tuple(v for p in merged for v in p.env),
            components=tuple(c for p in merged for c in p.components),
            resiliency=tuple(r for p in merged for r in p.resiliency),
            egress=tuple(e for p in merged for e in p.egress),
            handler=max(handlers, key=lambda h: h.seconds) if handlers else None,
            topics=topics[-1] if topics else None,
        )


@dataclass(frozen=True)
class ReadmeSection:
    """A `## heading` section of the service README, identified by its heading."""

    heading: str
    body: str


@dataclass(frozen=True)
class Contribution:
    """Everything one feature adds to one service."""

    python: dict[str, tuple[Unit, ...]] = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()
    dev_dependencies: tuple[str, ...] = ()
    deploy: DeployPieces = field(default_factory=DeployPieces)
    readme: tuple[ReadmeSection, ...] = ()


class Feature(ABC):
    """One capability a service can have; subclasses live one per module in this package."""

    name: ClassVar[FeatureName]
    requires: ClassVar[tuple[FeatureName, ...]] = ()
    summary: ClassVar[str]
    always: ClassVar[bool] = False
    # what the service installs for this feature, whatever its spec (its pyproject, and the
    # names a service's package may not take: synth.spec.reserved)
    dependencies: ClassVar[tuple[str, ...]] = ()
    dev_dependencies: ClassVar[tuple[str, ...]] = ()

    def declared_in(self, spec: ServiceSpec) -> bool:
        """Whether `spec` declares what this feature is for (state keys for `state`...), so a
        spec made from command-line options gets the feature without naming it."""
        return False

    def missing(self, spec: ServiceSpec) -> str | None:
        """What `spec` lacks for this feature, in words with the fix, or None."""
        return None

    @abstractmethod
    def contribute(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> Contribution:
        """The units and metadata this feature owns for `spec` (pure; called once per run)."""

    def deployment(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> DeployPieces:
        """What the feature deploys, built without its code (checks and diagrams ask this);
        `contribute` carries the same pieces as its `deploy`."""
        return DeployPieces()


def deployment_of(spec: ServiceSpec, requested: Iterable[FeatureName]) -> DeployPieces:
    """The deploy pieces of a service with `requested` (plus the always-on features and their
    requirements), in plan order, without building any code."""
    from synth.features.registry import plan_features  # the registry imports this module

    features = plan_features(requested)
    active = frozenset(f.name for f in features)
    return DeployPieces.merge(f.deployment(spec, active) for f in features)


_SETTING_IMPORTS = {"SecretStr": ImportRequest("pydantic", "SecretStr")}


def settings_units(env: Iterable[EnvVar]) -> tuple[Unit, ...]:
    """The `Settings` fields of the variables the service's settings read, in order:
    `name: <setting> = <default>` (a `str` default quoted, others as Python source), each a
    unit of the `Settings` class."""
    units: list[Unit] = []
    for var in env:
        if var.setting is None:
            continue
        annotation = cst.parse_expression(var.setting)
        if var.field_default is not None:
            value: cst.BaseExpression = cst.parse_expression(var.field_default)
        elif var.setting == "str":
            value = build_str(var.default)
        else:
            value = cst.parse_expression(var.default)
        field_line = cst.SimpleStatementLine(
            [cst.AnnAssign(cst.Name(var.name.lower()), cst.Annotation(annotation), value)]
        )
        imports = tuple(_SETTING_IMPORTS[n] for n in names_in(annotation) if n in _SETTING_IMPORTS)
        units.append(Unit(field_line, imports, container="Settings"))
    return tuple(units)


def with_settings_fields(units: Iterable[Unit], env: Iterable[EnvVar]) -> tuple[Unit, ...]:
    """`units` with the fields of `env` (`settings_units`) written into the body of the
    `Settings` class among them, after a blank line (the class that declares the settings)."""
    fields = settings_units(env)
    done: list[Unit] = []
    for unit in units:
        node = parsed_statement(unit.node) if fields else unit.node
        if isinstance(node, cst.ClassDef) and node.name.value == "Settings" and fields:
            body = cst.ensure_type(node.body, cst.IndentedBlock)
            lines = [
                f.node.with_changes(leading_lines=[cst.EmptyLine()] if i == 0 else [])
                for i, f in enumerate(fields)
            ]
            node = node.with_changes(body=body.with_changes(body=[*body.body, *lines]))
            imports = tuple(dict.fromkeys([*unit.imports, *(i for f in fields for i in f.imports)]))
            unit = replace(unit, node=node, imports=imports)
        done.append(unit)
    return tuple(done)
