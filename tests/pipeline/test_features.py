"""Each feature applied to a fresh service, then applied again: the second run changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from synth.api import compose_service, new_service
from synth.spec import FeatureName, FieldSpec, ServiceSpec, StateKeySpec
from synth.workspace import Workspace, write_changes

SPEC = ServiceSpec(
    name="orders",
    port=8010,
    state=(
        StateKeySpec(key="order:{id}", fields=(FieldSpec(name="total", type="float"),)),
        StateKeySpec(key="config", fields=(FieldSpec(name="flags", type="dict[str, str]"),)),
    ),
)


@pytest.mark.parametrize("features", [[], [FeatureName.STATE]])
def test_second_application_changes_nothing(tmp_path: Path, features: list[FeatureName]) -> None:
    plan = new_service(SPEC, features, tmp_path / "orders")
    write_changes(plan.changes, tmp_path / "orders", replace_root=True)
    again = compose_service(SPEC, features, Workspace(root=tmp_path / "orders"))
    assert again.changes.changed == ()


def test_with_order_never_changes_the_output(tmp_path: Path) -> None:
    one = new_service(SPEC, [FeatureName.STATE, FeatureName.HEALTH], tmp_path / "a")
    two = new_service(SPEC, [FeatureName.HEALTH, FeatureName.STATE], tmp_path / "b")
    assert [(f.path, f.after) for f in one.changes.files] == [
        (f.path, f.after) for f in two.changes.files
    ]


def test_state_key_helpers_before_after() -> None:
    plan = new_service(SPEC, [FeatureName.STATE], Path("/nonexistent/orders"))
    state = next(f.after for f in plan.changes.files if f.path == "orders/state.py")
    assert '''
class OrderState(BaseModel):
    """Value stored under `order:{id}`."""

    total: float


def order_key(id: str) -> str:
    """The state key `order:{id}`."""
    return f"order:{id}"
''' in state
    assert '''
def config_key() -> str:
    """The state key `config`."""
    return "config"
''' in state


def test_adding_state_to_an_app_only_service_keeps_owner_edits(tmp_path: Path) -> None:
    target = tmp_path / "orders"
    write_changes(new_service(SPEC, [], target).changes, target, replace_root=True)
    main = target / "orders/main.py"
    edited = (
        main.read_text()
        + '\n\n@app.get("/orders/{order_id}")\n'
        + "async def read(order_id: str) -> str:\n    return order_id  # mine\n"
    )
    main.write_text(edited)
    plan = compose_service(SPEC, [FeatureName.STATE], Workspace(root=target))
    changed = {c.path for c in plan.changes.changed}
    assert "orders/main.py" not in changed
    assert {"orders/state.py", "orders/settings.py", "tests/test_state.py"} <= changed
    write_changes(plan.changes, target)
    assert main.read_text() == edited
