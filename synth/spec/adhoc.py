"""A spec from command-line options, for a service that has no spec file (yet).

`synth new orders --state-key 'order:{id}' --subscribe shop.order-placed --invoke billing`
and `synth spec new orders ...` both build their spec here. Each topic and state key gets one
placeholder field, `value: str`, to be filled in later (in the spec file, or in `synth.yaml`'s
spec, which keeps them); the features follow from what was declared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from synth.errors import SpecError
from synth.spec.loading import describe_validation_error
from synth.spec.models import (
    FeatureName,
    FieldSpec,
    InvokeSpec,
    ServiceSpec,
    StateBackend,
    StateKeySpec,
    TopicSpec,
)

__all__ = ["AdhocOptions", "adhoc_spec"]

PLACEHOLDER_FIELD = FieldSpec(name="value")


@dataclass(frozen=True)
class AdhocOptions:
    """The spec-shaped options of `synth new` / `synth spec new` (None: not given)."""

    port: int | None = None
    state_keys: Sequence[str] = ()
    state_store: StateBackend | None = None
    subscribes: Sequence[str] = ()
    publishes: Sequence[str] = ()
    invokes: Sequence[str] = ()
    given: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        named = {
            "--port": self.port is not None,
            "--state-key": bool(self.state_keys),
            "--state-store": self.state_store is not None,
            "--subscribe": bool(self.subscribes),
            "--publish": bool(self.publishes),
            "--invoke": bool(self.invokes),
        }
        object.__setattr__(self, "given", tuple(k for k, v in named.items() if v))


def adhoc_spec(
    name: str,
    options: AdhocOptions,
    features_of: Callable[[ServiceSpec], tuple[FeatureName, ...]] = lambda _: (),
) -> ServiceSpec:
    """The spec the options describe, with the features `features_of` finds it declares (the
    registry's `declared_features`: this layer knows no feature); a SpecError names the first
    bad value in words."""
    try:
        spec = ServiceSpec(
            name=name,
            port=8000 if options.port is None else options.port,
            state=tuple(
                StateKeySpec(key=k, fields=(PLACEHOLDER_FIELD,)) for k in options.state_keys
            ),
            state_backend=options.state_store or StateBackend.REDIS,
            subscribes=tuple(_topic(t) for t in options.subscribes),
            publishes=tuple(_topic(t) for t in options.publishes),
            invokes=tuple(InvokeSpec(app_id=app_id) for app_id in options.invokes),
        )
    except ValidationError as exc:
        raise SpecError(f"invalid service '{name}': {describe_validation_error(exc)}") from None
    return spec.model_copy(update={"features": features_of(spec)})


def _topic(name: str) -> TopicSpec:
    return TopicSpec(topic=name, fields=(PLACEHOLDER_FIELD,))
