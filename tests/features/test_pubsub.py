"""The `pubsub` feature: what it generates, that the generated suite passes, and idempotency."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from synth.api import ServicePlan, compose_service, new_service
from synth.errors import FeatureError
from synth.features.pubsub.hooks import Dedupe, find_dedupe
from synth.features.state import StateFeature
from synth.spec import FeatureName, ServiceSpec
from synth.spec.loading import load_spec
from synth.workspace import Workspace, write_changes

ROOT = Path(__file__).resolve().parents[2]

PUBLISHER = '''
async def publish_code_error_hint(
    client: DaprClient, event: CodeErrorHint, *, trace: EventContext | None = None
) -> None:
    """Publish one `code.error-hint` event, keyed by `user_id`.

    As JSON, to the pub/sub component named by `PUBSUB_NAME`.
    """
    await publish(client, "code.error-hint", event, partition_key=event.user_id, trace=trace)
'''


def _generate(spec: ServiceSpec, features: list[FeatureName], target: Path) -> ServicePlan:
    plan = new_service(spec, features, target)
    write_changes(plan.changes, target, replace_root=True)
    return plan


def _after(plan: ServicePlan, path: str) -> str:
    return next(c.after for c in plan.changes.files if c.path == path)


def _run_suite(target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def debug(tmp_path_factory: pytest.TempPathFactory) -> tuple[ServiceSpec, Path, ServicePlan]:
    spec = load_spec(ROOT / "specs" / "debug.yaml")
    target = tmp_path_factory.mktemp("pubsub") / "debug"
    plan = _generate(spec, [FeatureName.STATE, FeatureName.PUBSUB], target)
    return spec, target, plan


@pytest.mark.slow
def test_generated_service_with_state_passes_its_own_suite(
    debug: tuple[ServiceSpec, Path, ServicePlan],
) -> None:
    _, target, _ = debug
    result = _run_suite(target)
    assert result.returncode == 0, result.stdout + result.stderr
    suite = (target / "tests" / "test_pubsub.py").read_text()
    for test in (
        "test_a_redelivered_event_is_handled_once",
        "test_two_deliveries_of_one_id_at_the_same_moment_run_the_handler_once",
        "test_a_failed_handler_releases_its_claim_for_the_redelivery",
        "test_a_long_handler_renews_its_claim_until_it_is_done",
        "test_a_handler_that_published_then_failed_republishes_the_same_event_id",
        "test_a_rerun_of_a_delivery_publishes_under_the_same_ids",
        "test_a_body_nested_too_deep_is_dropped",
        "test_a_request_too_large_for_dapr_is_dropped_not_retried",
        "test_the_delivery_route_documents_its_cloud_event_body",
    ):
        assert f"def {test}(" in suite, test
    health = (target / "tests" / "test_health.py").read_text()
    assert "def test_readiness_probes_share_the_lifespan_http_client(" in health


@pytest.mark.slow
def test_generated_service_without_state_passes_its_own_suite(tmp_path: Path) -> None:
    spec = ServiceSpec.model_validate(
        {
            "name": "listener",
            "subscribes": [
                {
                    "topic": "learning.query",
                    "fields": [
                        {"name": "user_id"},
                        {"name": "when", "type": "datetime", "optional": True},
                        {"name": "tags", "type": "list[str]"},
                    ],
                }
            ],
            "publishes": [
                {
                    "topic": "listener.heard",
                    "partition_key": "count",
                    "fields": [{"name": "count", "type": "int"}],
                }
            ],
        }
    )
    plan = _generate(spec, [FeatureName.PUBSUB], tmp_path / "listener")
    subscribers = _after(plan, "listener/subscribers.py")
    assert "claim_event" not in subscribers and "CURRENT_DELIVERY.set(" in subscribers
    result = _run_suite(tmp_path / "listener")
    assert result.returncode == 0, result.stdout + result.stderr


def test_subscriber_and_publisher_are_generated_as_expected(
    debug: tuple[ServiceSpec, Path, ServicePlan],
) -> None:
    _, _, plan = debug
    subscriber = textwrap.dedent('''
        @subscriber("code.error-request", "/events/pubsub/code.error-request", CodeErrorRequest)
        async def receive_code_error_request(request: Request) -> dict[str, str]:
            """Deliveries of `code.error-request`.

            Validated into `CodeErrorRequest`, handled by `on_code_error_request`.
            """
            return await deliver(request, CodeErrorRequest, on_code_error_request)
        ''')
    assert _after(plan, "debug/subscribers.py").endswith(subscriber)
    assert _after(plan, "debug/publishers.py").endswith(PUBLISHER)
    assert '    pubsub_name: str = "pubsub"\n' in _after(plan, "debug/settings.py")
    main = _after(plan, "debug/main.py")
    assert main.endswith(
        "app.include_router(health_router)\napp.include_router(subscriptions_router)\n"
    )


def test_applying_the_features_again_changes_nothing(
    debug: tuple[ServiceSpec, Path, ServicePlan],
) -> None:
    spec, target, _ = debug
    again = compose_service(spec, [FeatureName.PUBSUB, FeatureName.STATE], Workspace(root=target))
    assert again.changes.changed == ()


def test_a_new_topic_adds_its_pieces_and_keeps_an_edited_handler(tmp_path: Path) -> None:
    spec = load_spec(ROOT / "specs" / "debug.yaml")
    target = tmp_path / "debug"
    _generate(spec, [FeatureName.PUBSUB], target)
    handlers = target / "debug" / "handlers.py"
    edited = handlers.read_text().replace(
        '        "%s event %s received",', '        "%s event %s received (edited)",'
    )
    handlers.write_text(edited)
    extra = spec.subscribes[0].model_copy(update={"topic": "code.error-again"})
    grown = spec.model_copy(update={"subscribes": (*spec.subscribes, extra)})
    plan = compose_service(grown, [FeatureName.PUBSUB], Workspace(root=target))
    changed = {c.path for c in plan.changes.changed if c.path.endswith(".py")}
    assert changed == {
        "debug/events.py",
        "debug/handlers.py",
        "debug/subscribers.py",
        "tests/test_pubsub.py",
    }
    after = _after(plan, "debug/handlers.py")
    assert "(edited)" in after
    assert "async def on_code_error_again(" in after
    drifted = [d.drift.identity for d in plan.python.drifted if d.path == "debug/handlers.py"]
    assert drifted == [("def", "on_code_error_request")]


def test_topics_that_become_the_same_python_name_are_refused(tmp_path: Path) -> None:
    spec = ServiceSpec.model_validate(
        {
            "name": "clash",
            "subscribes": [
                {"topic": "a.b-c", "fields": [{"name": "x"}]},
                {"topic": "a-b.c", "fields": [{"name": "x"}]},
            ],
        }
    )
    with pytest.raises(FeatureError, match="both become"):
        new_service(spec, [FeatureName.PUBSUB], tmp_path / "clash")


def test_state_offers_pubsub_its_dedupe_hook_and_pubsub_finds_it_only_when_state_is_on() -> None:
    assert isinstance(StateFeature(), Dedupe)
    with_state = frozenset({FeatureName.APP, FeatureName.STATE, FeatureName.PUBSUB})
    assert isinstance(find_dedupe(with_state), StateFeature)
    assert find_dedupe(frozenset({FeatureName.APP, FeatureName.PUBSUB})) is None
