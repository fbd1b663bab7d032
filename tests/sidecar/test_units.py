"""Unit tests: U-9 reply table, CEL subset (U-3), Go JSON encoding (S-12, P-4), scopes (C-5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from synth.sidecar import gojson
from synth.sidecar.cel import CelError, compile_match
from synth.sidecar.components import Component
from synth.sidecar.delivery import Outcome, outcome_from_response
from synth.sidecar.scopes import topic_allowed
from synth.sidecar.subscriptions import merge, parse_programmatic


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (200, b"", Outcome.SUCCESS),
        (204, b"", Outcome.SUCCESS),
        (200, b"plain text", Outcome.SUCCESS),
        (200, b'"ok"', Outcome.SUCCESS),
        (200, b"[1,2]", Outcome.SUCCESS),
        (200, b"null", Outcome.SUCCESS),
        (200, b'{"status":"SUCCESS"}', Outcome.SUCCESS),
        (200, b'{"status":""}', Outcome.SUCCESS),
        (200, b"{}", Outcome.SUCCESS),
        (200, b'{"status":"RETRY"}', Outcome.RETRY),
        (200, b'{"status":"DROP"}', Outcome.DROP),
        (200, b'{"status":"success"}', Outcome.RETRY),
        (200, b'{"status":"drop"}', Outcome.RETRY),
        (404, b"", Outcome.DROP),
        (301, b"", Outcome.RETRY),
        (400, b'{"status":"SUCCESS"}', Outcome.RETRY),
        (422, b"", Outcome.RETRY),
        (500, b"", Outcome.RETRY),
    ],
)
def test_app_reply_table_u9(status: int, body: bytes, outcome: Outcome) -> None:
    assert outcome_from_response(status, body) is outcome


EVENT = {"type": "created", "source": "orders", "data": {"kind": "x", "n": 3}, "flag": True}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("", True),
        ('event.type == "created"', True),
        ("event.type == 'created'", True),
        ('event.type != "created"', False),
        ('event.type == "created" && event.source == "orders"', True),
        ('event.type == "x" || event.data.kind == "x"', True),
        ('(event.type == "x" || event.source == "orders") && event.data.n == 3', True),
        ('!(event.type == "created")', False),
        ("event.flag == true", True),
        ('event.missing == "x"', False),
        ("event.missing == null", True),
    ],
)
def test_cel_subset_u3(expression: str, expected: bool) -> None:
    assert compile_match(expression)(EVENT) is expected


@pytest.mark.parametrize(
    "expression",
    [
        "event.data.n > 2",
        'event.type.startsWith("c")',
        "size(event) == 1",
        "__import__('os')",
        'event.type == "a" ? true : false',
        "other.type == 1",
        'event.type == "unterminated',
    ],
)
def test_cel_outside_subset_is_refused_u3(expression: str) -> None:
    with pytest.raises(CelError):
        compile_match(expression)


def test_non_boolean_result_is_an_error_u3() -> None:
    with pytest.raises(CelError):
        compile_match("event.type")(EVENT)


def test_unsupported_rule_drops_the_subscription_u3(caplog: pytest.LogCaptureFixture) -> None:
    subs = parse_programmatic(
        [
            {
                "pubsubname": "p",
                "topic": "t",
                "routes": {"rules": [{"match": "event.n > 1", "path": "/a"}], "default": "/d"},
            },
            {"pubsubname": "p", "topic": "ok", "route": "/ok"},
        ]
    )
    assert [s.topic for s in subs] == ["ok"]
    assert "routing rule not supported" in caplog.text


def test_rule_order_then_default_then_route_u3() -> None:
    (sub,) = parse_programmatic(
        [
            {
                "pubsubname": "p",
                "topic": "t",
                "route": "/legacy",
                "routes": {"rules": [{"match": 'event.type == "a"', "path": "/a"}]},
            }
        ]
    )
    assert [(r.match, r.path) for r in sub.rules] == [('event.type == "a"', "/a"), ("", "/legacy")]
    assert sub.route_for({"type": "a"}) == "/a"
    assert sub.route_for({"type": "b"}) == "/legacy"


def test_subscription_without_routes_is_dropped_u3() -> None:
    assert parse_programmatic([{"pubsubname": "p", "topic": "t"}]) == []


def test_non_string_metadata_is_malformed_u3() -> None:
    with pytest.raises(ValueError):
        parse_programmatic([{"pubsubname": "p", "topic": "t", "route": "/r", "metadata": {"a": 1}}])


def test_programmatic_replaces_declarative_u4() -> None:
    (prog,) = parse_programmatic([{"pubsubname": "p", "topic": "t", "route": "/prog"}])
    (decl,) = parse_programmatic([{"pubsubname": "p", "topic": "t", "route": "/decl"}])
    (other,) = parse_programmatic([{"pubsubname": "p", "topic": "u", "route": "/u"}])
    merged = merge([prog], [decl, other])
    assert {s.topic: s.rules[-1].path for s in merged} == {"t": "/prog", "u": "/u"}


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (1.0, b"1"),
        (1.5, b"1.5"),
        (1e21, b"1e+21"),
        (1e20, b"100000000000000000000"),
        (1e-7, b"1e-7"),
        (0.000001, b"0.000001"),
        ("<a&b>", b'"\\u003ca\\u0026b\\u003e"'),
        ("\u2028", b'"\\u2028"'),
        ("é\n", '"é\\n"'.encode()),
        ({"b": None, "a": [True, False]}, b'{"a":[true,false],"b":null}'),
    ],
)
def test_go_json_marshal_s12(value: object, encoded: bytes) -> None:
    assert gojson.marshal(value) == encoded


def test_precise_numbers_are_kept_p3() -> None:
    text = b'{"big":12345678901234567890,"f":1.10}'
    assert gojson.marshal(gojson.loads_precise(text)) == text


@given(
    st.recursive(
        st.none() | st.booleans() | st.text() | st.integers(-(2**53), 2**53),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    )
)
def test_marshal_round_trips_through_json_s12(value: object) -> None:
    import json

    assert json.loads(gojson.marshal(value)) == value


def _pubsub(**metadata: str) -> Component:
    return Component("pubsub", "pubsub.in-memory", "v1", metadata)


@pytest.mark.parametrize(
    ("metadata", "topic", "publishing", "allowed"),
    [
        ({}, "any", True, True),
        ({"allowedTopics": "a,b"}, "a", True, True),
        ({"allowedTopics": "a,b"}, "c", True, False),
        ({"protectedTopics": "secret"}, "secret", True, False),
        ({"protectedTopics": "secret", "publishingScopes": "app=secret"}, "secret", True, True),
        ({"publishingScopes": "app=a;other=b"}, "b", True, False),
        ({"publishingScopes": "other=b"}, "b", True, True),
        ({"subscriptionScopes": "app=a"}, "b", False, False),
        ({"subscriptionScopes": "app=a"}, "b", True, True),
    ],
)
def test_topic_scopes_c5_u5(metadata, topic, publishing, allowed) -> None:  # type: ignore[no-untyped-def]
    assert topic_allowed(_pubsub(**metadata), topic, "app", publishing=publishing) is allowed
