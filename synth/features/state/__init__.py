"""The `state` feature: typed async helpers for every key template of the spec.

For `mastery:{user_id}` holding `scores: dict[str, float]` it generates, in `<pkg>/state.py`:

    class MasteryState(BaseModel): scores: dict[str, float]
    def mastery_key(user_id: str) -> str                     # "mastery:{user_id}"
    async def get_mastery(client, user_id) -> Stored[MasteryState] | None
    async def save_mastery(client, user_id, value, *, etag=None) -> None
    async def delete_mastery(client, user_id, *, etag=None) -> None
    async def update_mastery(client, user_id, change) -> MasteryState   # ETag-guarded retry

Values are pydantic models stored as JSON; writes with an ETag use first-write concurrency;
a key's `ttl_seconds` is sent as `ttlInSeconds` metadata; the store name comes from settings.

The fixed runtime is synth/runtime/state/ (`state.py`: read/write/remove/update_value;
`claims.py`: exactly-once claims); `keys` builds each key's model and helpers, `tests` their
tests, and `dedupe` the hook this feature offers pubsub (`synth.features.pubsub.hooks.Dedupe`).
"""

from __future__ import annotations

from typing import ClassVar

from synth.codegen import Unit
from synth.features.base import Contribution, DeployPieces, Feature, ReadmeSection, settings_units
from synth.features.state import dedupe
from synth.features.state.deploy import deployment
from synth.features.state.keys import state_units
from synth.features.state.tests import state_tests_units
from synth.spec import FeatureName, FieldSpec, FieldType, ServiceSpec, StateKeySpec

__all__ = ["StateFeature"]


class StateFeature(Feature):
    """Typed Dapr state helpers from the spec's key templates.

    It also offers pubsub's dedupe hook (`synth.features.pubsub.hooks.Dedupe`): with it, a
    delivery handles each event id once (`dedupe`).
    """

    name: ClassVar[FeatureName] = FeatureName.STATE
    requires: ClassVar[tuple[FeatureName, ...]] = (FeatureName.APP,)
    summary: ClassVar[str] = "typed state helpers per key: get/save/delete/update with ETags, TTL"

    def declared_in(self, spec: ServiceSpec) -> bool:
        return bool(spec.state)

    def deployment(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> DeployPieces:
        return deployment(spec, active)

    def contribute(self, spec: ServiceSpec, active: frozenset[FeatureName]) -> Contribution:
        deploy = self.deployment(spec, active)
        keys = spec.state or _default_keys(spec)
        settings = settings_units(deploy.env)
        key_lines = "\n".join(
            f"| `{k.key}` | `{k.model_name}` | {k.ttl_seconds or '-'} | "
            f"`get_{k.helper_name}`, `save_`, `delete_`, `update_{k.helper_name}` |"
            for k in keys
        )
        return Contribution(
            python={
                f"{spec.package}/settings.py": settings,
                f"{spec.package}/state.py": state_units(spec, keys),
                "tests/test_state.py": state_tests_units(spec, keys),
            },
            deploy=deploy,
            readme=(
                ReadmeSection(
                    "State",
                    "| key | value model | TTL (s) | helpers |\n|---|---|---|---|\n"
                    f"{key_lines}\n\n"
                    "Writes with an ETag use first-write concurrency; `update_*` retries a "
                    "read-modify-write on ETag conflicts (bounded).",
                ),
            ),
        )

    # pubsub's Dedupe hook (synth.features.pubsub.hooks)

    def dedupe_runner(self, spec: ServiceSpec) -> tuple[Unit, ...]:
        return dedupe.dedupe_runner(spec)

    def dedupe_first_topic_tests(self, spec: ServiceSpec) -> tuple[Unit, ...]:
        return dedupe.dedupe_first_topic_tests(spec)

    def dedupe_topic_tests(self, spec: ServiceSpec) -> tuple[Unit, ...]:
        return dedupe.dedupe_topic_tests(spec)

    def dedupe_readme(self) -> str:
        return dedupe.dedupe_readme()


def _default_keys(spec: ServiceSpec) -> tuple[StateKeySpec, ...]:
    return (
        StateKeySpec(
            key=f"{spec.package}:{{id}}",
            name="item",
            fields=(FieldSpec(name="name", type=FieldType.STR),),
        ),
    )
