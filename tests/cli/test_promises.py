"""Every command keeps its promises: one table of `(argv, files before) -> (exit, message, after)`.

The promises (README "Commands", SKILL.md "Errors" and "Output for agents"):

- bad input is exit 2, exactly one stderr line `synth: error: <problem>; <fix>`, and the folder
  is byte-for-byte as it was (no staging folder left behind either);
- exit 1 is findings, 0 is done; neither ever prints a traceback;
- with `--json`, stdout is exactly one JSON object: `"ok": true` and the result, or
  `{"ok": false, "error": ..., "fix": ...}` on bad input.

Each row runs the real command in its own folder (the defaults `specs/` and `out/` are relative).
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synth.cli import app
from tests.cli.conftest import DANGLING, DIR, Before, chdir

runner = CliRunner()


ORDERS = (
    "name: orders\nport: 8100\nfeatures: [state]\n"
    "state:\n  - key: 'order:{id}'\n    fields:\n      - {name: total, type: float}\n"
)
AGENT_UNWIRED = (
    "name: tutor\nport: 8100\n"
    "subscribes:\n  - topic: learning.ask\n    fields: [{name: session_id}]\n"
    "publishes:\n  - topic: learning.answer\n    fields: [{name: session_id}, {name: text}]\n"
    "agent:\n  instructions: help\n  request_topic: learning.elsewhere\n"
    "  response_topic: learning.answer\n"
)
AGENT_NO_SESSION = AGENT_UNWIRED.replace("learning.elsewhere", "learning.ask").replace(
    "fields: [{name: session_id}]\n", "fields: [{name: question}]\n", 1
)


@dataclass(frozen=True)
class Case:
    """One invocation: what is there, what is typed, what must come out."""

    name: str
    argv: str
    before: Before = ()
    code: int = 2
    message: str = ""
    creates: tuple[str, ...] = ()
    same: bool | None = None  # default: unchanged unless exit 0 with `creates`
    marks: tuple[pytest.MarkDecorator, ...] = field(default=())

    @property
    def unchanged(self) -> bool:
        return self.same if self.same is not None else not self.creates


def c(name: str, argv: str, before: Before = (), code: int = 2, message: str = "", **kw: object):
    """A row: `c(id, "new Orders", ("specs",), 2, "not a service name")`."""
    return Case(name, argv, before, code, message, **kw)  # type: ignore[arg-type]


SHADOWING = ["starlette", "pydantic-settings", "grpc", "agents", "pytest", "fastapi", "dapr"]
SHADOWING += ["uvicorn", "httpx", "pydantic", "aiohttp", "openai", "anyio", "json", "asyncio"]
SHADOWING += ["typing", "os", "tests", "k8s", "components", "class", "import", "ruff"]
SHADOWING += ["black", "yarl", "h11", "click"]

CASES: list[Case] = [
    # --- new: names ---------------------------------------------------------------------
    c("new-no-name", "new", message="give a service NAME"),
    c("new-upper", "new Orders", message="is not a service name (lowercase letters, digits"),
    c("new-digit-first", "new 1orders", message="is not a service name"),
    c("new-double-hyphen", "new a--b", message="is not a service name"),
    c("new-trailing-hyphen", "new orders-", message="is not a service name"),
    c("new-underscore", "new my_orders", message="is not a service name"),
    c("new-too-long", "new " + "a" * 41, message="at most 40 characters"),
    c("new-path-name", "new specs/orders.yaml", message="is a path; give the service NAME"),
    c("new-yaml-name", "new orders.yaml", message="is a path"),
    *[c(f"new-shadows-{n}", f"new {n}", message="would shadow a Python") for n in SHADOWING],
    # --- new: options -------------------------------------------------------------------
    c("new-rf", "new -rf", message="No such option: -r; see `synth new --help`"),
    c("new-unknown-option", "new orders --jsn", message="No such option: --jsn"),
    c("new-port-abc", "new orders --port abc", message="Invalid value for '--port'"),
    c("new-port-0", "new orders --port 0", message="field `port`"),
    c("new-port-80", "new orders --port 80", message="greater than or equal to 1024"),
    c("new-port-70000", "new orders --port 70000", message="less than or equal to 65535"),
    c("new-port-negative", "new orders --port -5", message="field `port`"),
    c("new-port-missing-value", "new orders --port", message="requires an argument"),
    c("new-with-comma", "new orders --with ,", message="names no feature"),
    c("new-with-empty", "new orders --with ''", message="names no feature"),
    c("new-with-unknown", "new orders --with kafka", message="unknown feature 'kafka'"),
    c("new-with-unknown-2", "new orders --with state,redis", message="unknown feature 'redis'"),
    c("new-with-invoke-adhoc", "new orders --with invoke", message="needs a service to call"),
    c("new-with-agent-adhoc", "new orders --with agent", message="needs an `agent:` block"),
    c("new-state-key-bars", "new orders --state-key 'a||b'", message="cannot contain '||'"),
    c("new-state-key-bad-param", "new orders --state-key 'a:{1x}'", message="not a valid"),
    c("new-state-key-empty", "new orders --state-key ''", message="field `key`"),
    c("new-state-key-brace", "new orders --state-key 'a:{id'", message="may use letters"),
    c("new-state-key-space", "new orders --state-key 'a b'", message="may use letters"),
    c("new-state-key-dup", "new orders --state-key 'o:{id}' --state-key 'o:{id}'", message="dup"),
    c("new-state-key-misread", "new orders --state-key 'o:{l}'", message="easily misread"),
    c("new-state-store-bad", "new orders --state-store mysql", message="--state-store"),
    c("new-subscribe-bad", "new orders --subscribe Orders", message="is not a topic name"),
    c("new-subscribe-no-dot", "new orders --subscribe orders", message="is not a topic name"),
    c("new-subscribe-dup", "new orders --subscribe a.b --subscribe a.b", message="duplicate"),
    c("new-publish-bad", "new orders --publish 'a..b'", message="is not a topic name"),
    c("new-invoke-bad", "new orders --invoke Billing", message="is not a service name"),
    c("new-invoke-self", "new orders --invoke orders", message="does not invoke itself"),
    c("new-invoke-dup", "new orders --invoke bill --invoke bill", message="duplicate"),
    c("new-json-bad-name", "new Orders --json", message="is not a service name"),
    c("new-json-usage", "new -rf --json", message="No such option"),
    c("new-json-port", "new orders --port abc --json", message="--port"),
    # --- new: specs ---------------------------------------------------------------------
    c("new-specs-missing", "new orders --specs nope", message="no such specs folder"),
    c("new-specs-file", "new orders --specs afile", ("afile",), message="is a file, not a folder"),
    c(
        "new-spec-not-utf8",
        "new orders",
        ({"specs/orders.yaml": b"name: orders\n# \xff\xfe\n"},),
        message="not UTF-8 text",
    ),
    c("new-spec-folder", "new orders", ({"specs/orders.yaml": DIR},), message="is a folder"),
    c("new-spec-dangling", "new orders", ({"specs/orders.yaml": DANGLING},), message="dangling"),
    c(
        "new-spec-name-mismatch",
        "new foo",
        ({"specs/foo.yaml": "name: bar\n"},),
        message="`name: bar` does not match the file name",
    ),
    c(
        "new-spec-bad-yaml",
        "new orders",
        ({"specs/orders.yaml": "name: [orders\n"},),
        message="is not valid YAML",
    ),
    c("new-spec-list", "new orders", ({"specs/orders.yaml": "- a\n"},), message="YAML mapping"),
    c("new-spec-empty", "new orders", ({"specs/orders.yaml": ""},), message="YAML mapping"),
    c(
        "new-spec-unknown-field",
        "new orders",
        ({"specs/orders.yaml": "name: orders\ncolour: red\n"},),
        message="field `colour`: is not a spec field",
    ),
    c(
        "new-spec-port-80",
        "new orders",
        ({"specs/orders.yaml": "name: orders\nport: 80\n"},),
        message="specs/orders.yaml: field `port`",
    ),
    c(
        "new-spec-no-name",
        "new orders",
        ({"specs/orders.yaml": "port: 8100\n"},),
        message="field `name`: is required",
    ),
    c(
        "new-spec-bad-name-words",
        "new orders",
        ({"specs/orders.yaml": "name: Orders\n"},),
        message="lowercase letters, digits and single hyphens",
    ),
    c(
        "new-spec-agent-unwired",
        "new tutor",
        ({"specs/tutor.yaml": AGENT_UNWIRED},),
        message="agent.request_topic 'learning.elsewhere' is not in `subscribes:`",
    ),
    c(
        "new-spec-agent-unwired-with-state",
        "new tutor --with state",
        ({"specs/tutor.yaml": AGENT_UNWIRED},),
        message="is not in `subscribes:`",
    ),
    c(
        "new-spec-agent-no-session",
        "new tutor",
        ({"specs/tutor.yaml": AGENT_NO_SESSION},),
        message="needs a required `session_id: str` field",
    ),
    c(
        "new-spec-features-invoke",
        "new orders",
        ({"specs/orders.yaml": "name: orders\nfeatures: [invoke]\n"},),
        message="needs a service to call",
    ),
    c(
        "new-spec-features-unknown",
        "new orders",
        ({"specs/orders.yaml": "name: orders\nfeatures: [kafka]\n"},),
        message="field `features.0`",
    ),
    c(
        "new-spec-topic-words",
        "new orders",
        ({"specs/orders.yaml": "name: orders\nsubscribes: [{topic: BAD, fields: [{name: a}]}]\n"},),
        message="is not a topic name (dot-separated lowercase words",
    ),
    c(
        "new-spec-field-words",
        "new orders",
        ({"specs/orders.yaml": "name: orders\nsubscribes: [{topic: a.b, fields: [{name: A}]}]\n"},),
        message="is not a snake_case identifier",
    ),
    c(
        "new-spec-and-port",
        "new orders --port 9000",
        ({"specs/orders.yaml": ORDERS},),
        message="--port is for a service without a spec",
    ),
    c(
        "new-spec-and-subscribe",
        "new orders --subscribe learning.x",
        ({"specs/orders.yaml": ORDERS},),
        message="--subscribe is for a service without a spec",
    ),
    c("new-spec-with-invoke", "new debug --with invoke", ("specs",), message="needs a service"),
    # --- new: targets -------------------------------------------------------------------
    c("new-out-file", "new orders --out afile", ("afile",), message="is not a folder"),
    c("new-out-under-file", "new orders --out afile/sub", ("afile",), message="afile is a file"),
    c("new-out-cwd", "new orders --out .", ("nonempty",), message="is the current folder"),
    c("new-out-cwd-force", "new orders --out . --force", ("nonempty",), message="current folder"),
    c("new-out-parent", "new orders --out .. --force", message="is the current folder"),
    c("new-out-unwritable", "new orders --out /proc/orders", message="check the path"),
    c(
        "topic-out-unwritable",
        "create-topic learning.x --partitions 1 --replicas 1 --out /proc/p",
        message="check the path",
    ),
    c("new-out-nonempty", "new orders --out nonempty", ("nonempty",), message="is not empty"),
    c(
        "new-force-foreign-folder",
        "new orders --out nonempty --force",
        ("nonempty",),
        message="not a synth service",
    ),
    # --- new --all ----------------------------------------------------------------------
    c("new-all-and-name", "new debug --all", ("specs",), message="give NAME (debug) or --all"),
    c("new-all-with", "new --all --with state", ("specs",), message="--with is for one service"),
    c("new-all-port", "new --all --port 9000", ("specs",), message="--port is for one service"),
    c("new-all-no-specs", "new --all", ("emptyspecs",), message="no specs found"),
    c("new-all-specs-missing", "new --all --specs nope", message="no such specs folder"),
    c("new-all-out-file", "new --all --out afile", ("specs", "afile"), message="not a folder"),
    c(
        "new-all-one-bad-spec",
        "new --all",
        ("specs", {"specs/zzz.yaml": "name: zzz\nport: 1\n"}),
        message="specs/zzz.yaml: field `port`",
    ),
    c(
        "new-all-name-mismatch",
        "new --all",
        ("specs", {"specs/zzz.yaml": "name: yyy\n"}),
        message="does not match the file name",
    ),
    c("new-all-json-error", "new --all --json", ("emptyspecs",), message="no specs found"),
    # --- new: what works ----------------------------------------------------------------
    c("new-help", "new --help", code=0, message="Usage", same=True),
    c("new-dry-run", "new orders --dry-run", code=0, message="+++ b/out/orders/", same=True),
    c(
        "new-adhoc",
        "new orders",
        code=0,
        message="files changed (app, health)",
        creates=("out/orders/orders/main.py", "out/orders/synth.yaml"),
    ),
    c(
        "new-adhoc-json",
        "new orders --state-key 'order:{id}' --json",
        code=0,
        creates=("out/orders/orders/state.py",),
    ),
    c(
        "new-adhoc-topics-and-invoke",
        "new orders --subscribe shop.order-placed --publish shop.order-paid --invoke billing",
        code=0,
        message="(app, health, pubsub, invoke)",
        creates=("out/orders/orders/subscribers.py", "out/orders/orders/invocation.py"),
    ),
    c(
        "new-adhoc-out",
        "new orders --port 8123 --out build/orders",
        code=0,
        creates=("build/orders/synth.yaml",),
    ),
    c("new-with-app", "new orders --with app", code=0, creates=("out/orders/orders/health.py",)),
    c(
        "new-spec-file",
        "new orders",
        ({"specs/orders.yaml": ORDERS},),
        code=0,
        creates=("out/orders/orders/state.py",),
    ),
    c(
        "new-into-empty-folder",
        "new orders --out emptydir",
        ("emptydir",),
        code=0,
        creates=("emptydir/synth.yaml",),
    ),
    c(
        "new-all-json",
        "new --all --json",
        ("specs",),
        code=0,
        creates=("out/dapr.yaml", "out/debug/synth.yaml", "out/triage/synth.yaml"),
    ),
    c("new-all-dry-run", "new --all --dry-run", ("specs",), code=0, same=True),
    # --- spec new -----------------------------------------------------------------------
    c(
        "spec-new",
        "spec new orders",
        code=0,
        message="wrote specs/orders.yaml",
        creates=("specs/orders.yaml",),
    ),
    c(
        "spec-new-json",
        "spec new orders --subscribe learning.x --json",
        code=0,
        creates=("specs/orders.yaml",),
    ),
    c("spec-new-exists", "spec new orders", ({"specs/orders.yaml": ORDERS},), message="exists"),
    c(
        "spec-new-force",
        "spec new orders --force",
        ({"specs/orders.yaml": ORDERS},),
        code=0,
        creates=("specs/orders.yaml",),
        same=False,
    ),
    c("spec-new-bad-name", "spec new Orders", message="is not a service name"),
    c("spec-new-shadow", "spec new starlette", message="would shadow"),
    c("spec-new-specs-file", "spec new orders --specs afile", ("afile",), message="not a folder"),
    c("spec-new-bad-topic", "spec new orders --publish X", message="is not a topic name"),
    c("spec-new-no-name", "spec new", message="Missing argument"),
    c("spec-new-port-0", "spec new orders --port 0", message="field `port`"),
    # --- add-feature / remove-feature ---------------------------------------------------
    c("add-no-args", "add-feature", message="Missing argument"),
    c("add-no-feature", "add-feature svc", ("svc",), message="Missing argument"),
    c("add-missing-dir", "add-feature nope state", message="nope"),
    c("add-file", "add-feature afile state", ("afile",), message="afile"),
    c("add-empty-dir", "add-feature emptydir state", ("emptydir",), message="not a synth service"),
    c("add-unknown", "add-feature svc kafka", ("svc",), message="unknown feature 'kafka'"),
    c("add-comma", "add-feature svc ,", ("svc",), message="name at least one feature"),
    c("add-empty", "add-feature svc ''", ("svc",), message="name at least one feature"),
    c("add-agent-no-block", "add-feature svc agent", ("svc",), message="agent"),
    c(
        "add-corrupt-record",
        "add-feature corrupt-svc pubsub",
        ("corrupt-svc",),
        message="synth.yaml",
    ),
    c("add-json-unknown", "add-feature svc kafka --json", ("svc",), message="unknown feature"),
    c(
        "add-dry-run",
        "add-feature svc pubsub --dry-run",
        ("svc",),
        code=0,
        message="+++",
        same=True,
    ),
    c(
        "add-json",
        "add-feature svc pubsub --json",
        ("svc",),
        code=0,
        creates=("svc/orders/events.py",),
    ),
    c(
        "add-invoke-without-invokes",
        "add-feature svc invoke",
        ("svc",),
        message="needs a service to call",
    ),
    c("remove-unknown", "remove-feature svc kafka", ("svc",), message="unknown feature"),
    c("remove-two", "remove-feature svc state,pubsub", ("svc",), message="exactly one feature"),
    c("remove-app", "remove-feature svc app", ("svc",), message="part of every service"),
    c("remove-absent", "remove-feature svc pubsub", ("svc",), message="does not have 'pubsub'"),
    c("remove-missing-dir", "remove-feature nope state", message="nope"),
    c("remove-corrupt", "remove-feature corrupt-svc state", ("corrupt-svc",), message="synth.yaml"),
    c("remove-no-args", "remove-feature", message="Missing argument"),
    c("remove-json-error", "remove-feature svc app --json", ("svc",), message="part of every"),
    c("remove-dry-run", "remove-feature svc state --dry-run", ("svc",), code=0, same=True),
    # --- check --------------------------------------------------------------------------
    c("check-file", "check afile", ("afile",), message="afile is a file; check takes a service"),
    c("check-file-json", "check afile --json", ("afile",), message="is a file"),
    c("check-missing", "check nope", message="no such folder"),
    c("check-empty-dir", "check emptydir", ("emptydir",), message="no synth service here"),
    c("check-corrupt", "check corrupt-svc", ("corrupt-svc",), message="malformed synth record"),
    c("check-bad-option", "check --strict", message="No such option"),
    # --- create-topic -------------------------------------------------------------------
    c(
        "topic-partitions-0",
        "create-topic learning.x --partitions 0 --replicas 1",
        message="--partitions",
    ),
    c(
        "topic-replicas-0",
        "create-topic learning.x --partitions 1 --replicas 0",
        message="--replicas",
    ),
    c(
        "topic-partitions-abc",
        "create-topic learning.x --partitions abc --replicas 1",
        message="--partitions",
    ),
    c("topic-no-partitions", "create-topic learning.x --replicas 1", message="Missing option"),
    c("topic-no-name", "create-topic --partitions 1 --replicas 1", message="Missing argument"),
    c(
        "topic-foreign",
        "create-topic orders.created --partitions 1 --replicas 1",
        message="not a LearnFlow topic",
    ),
    c(
        "topic-upper",
        "create-topic Learning.X --partitions 1 --replicas 1",
        message="LearnFlow topic",
    ),
    c(
        "topic-out-file",
        "create-topic learning.x --partitions 1 --replicas 1 --out afile",
        ("afile",),
        message="is a file",
    ),
    c(
        "topic-out-under-file",
        "create-topic learning.x --partitions 1 --replicas 1 --out afile/p",
        ("afile",),
        message="is a file",
    ),
    c(
        "topic-json-error",
        "create-topic learning.x --partitions 0 --replicas 1 --json",
        message="--partitions",
    ),
    c(
        "topic-ok",
        "create-topic learning.x --partitions 3 --replicas 1",
        code=0,
        message="wrote out/k8s/topics/learning-x.yaml",
        creates=("out/k8s/topics/learning-x.yaml",),
    ),
    c(
        "topic-json",
        "create-topic code.review-request --partitions 3 --replicas 1 --out p --json",
        code=0,
        creates=("p/k8s/topics/code-review-request.yaml",),
    ),
    # --- graph / lint-platform / asyncapi -----------------------------------------------
    c("graph-gif", "graph --format gif", ("specs",), message="Invalid value for '--format'"),
    c("graph-specs-missing", "graph --specs nope", message="no such specs folder"),
    c("graph-specs-empty", "graph", ("emptyspecs",), message="no *.yaml spec files"),
    c("graph-bad-spec", "graph", ({"specs/x.yaml": "name: x\nport: 2\n"},), message="field `port`"),
    c("graph-png-stdout", "graph --format png", ("specs",), message="is binary; pass --out FILE"),
    c("graph-json-no-out", "graph --json", ("specs",), message="--json needs --out FILE"),
    c("graph-out-missing-dir", "graph --out nope/g.mmd", ("specs",), message="no such folder"),
    c("graph-out-folder", "graph --out emptydir", ("specs", "emptydir"), message="is a folder"),
    c("graph-generated-file", "graph --generated afile", ("specs", "afile"), message="is a file"),
    c(
        "asyncapi-out-folder",
        "asyncapi --out emptydir",
        ("specs", "emptydir"),
        message="is a folder",
    ),
    c("graph-stdout", "graph", ("specs",), code=0, message="flowchart", same=True),
    c("graph-dot", "graph --format dot", ("specs",), code=0, message="digraph", same=True),
    c("graph-json", "graph --out g.mmd --json", ("specs",), code=0, creates=("g.mmd",)),
    c("lint-specs-missing", "lint-platform --specs nope", message="no such specs folder"),
    c("lint-specs-empty", "lint-platform", ("emptyspecs",), message="no *.yaml spec files"),
    c("lint-not-utf8", "lint-platform", ({"specs/x.yaml": b"name: x\n\xff"},), message="UTF-8"),
    c("lint-bad-yaml", "lint-platform", ({"specs/x.yaml": "a: [\n"},), message="not valid YAML"),
    c("lint-bad-option", "lint-platform --fix", ("specs",), message="No such option"),
    c("lint-json-error", "lint-platform --specs nope --json", message="no such specs folder"),
    c(
        "lint-learnflow",
        "lint-platform",
        ("specs",),
        code=0,
        message="0 findings in 6 specs",
        same=True,
    ),
    c("lint-learnflow-json", "lint-platform --json", ("specs",), code=0, same=True),
    c(
        "lint-finding",
        "lint-platform",
        ("specs", {"specs/zz.yaml": "name: zz\nport: 8100\ninvokes: [{app_id: nobody}]\n"}),
        code=1,
        message="nobody",
        same=True,
    ),
    c("asyncapi-xml", "asyncapi --format xml", ("specs",), message="Invalid value for '--format'"),
    c("asyncapi-json-no-out", "asyncapi --json", ("specs",), message="--json needs --out FILE"),
    c("asyncapi-specs-missing", "asyncapi --specs nope", message="no such specs folder"),
    c(
        "asyncapi-out-missing-dir",
        "asyncapi --out nope/a.yaml",
        ("specs",),
        message="no such folder",
    ),
    c("asyncapi-stdout", "asyncapi", ("specs",), code=0, message='"asyncapi"', same=True),
    c("asyncapi-yaml", "asyncapi --out a.yaml --json", ("specs",), code=0, creates=("a.yaml",)),
    # --- dev (only refusals: nothing is started) ----------------------------------------
    c("dev-missing", "dev nope", message="nope"),
    c("dev-file", "dev afile", ("afile",), message="not a folder"),
    c("dev-empty-dir", "dev emptydir", ("emptydir",), message="no service"),
    c("dev-corrupt", "dev corrupt-svc", ("corrupt-svc",), message="synth.yaml"),
    c("dev-store-bad", "dev svc --store mongo", ("svc",), message="Invalid value for '--store'"),
    c(
        "dev-redis-url-bad",
        "dev svc --store redis --redis-url notaurl",
        ("svc",),
        message="redis://",
    ),
    c("dev-json-error", "dev nope --json", message="nope"),
    # --- list and the group -------------------------------------------------------------
    c("list", "list", ("specs",), code=0, message="triage", same=True),
    c("list-json", "list --json", ("specs",), code=0, same=True),
    c("list-no-specs-folder", "list", code=0, message="features:", same=True),
    c("list-specs-missing", "list --specs nope", message="no such specs folder"),
    c("list-specs-file", "list --specs afile", ("afile",), message="is a file"),
    c("list-bad-option", "list --all", message="No such option"),
    c("unknown-command", "deploy", message="No such command 'deploy'"),
    c("unknown-command-json", "deploy --json", message="No such command"),
    c("help", "--help", code=0, message="create-topic", same=True),
]


def _snapshot(root: Path) -> dict[str, str]:
    """Every entry under root (hidden ones too): file bytes, link targets, folders."""
    entries: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                entries[key] = f"-> {os.readlink(path)}"
            elif path.is_dir():
                entries[key] = "/"
            else:
                entries[key] = path.read_bytes().hex()
    return entries


def _params() -> list[object]:
    return [pytest.param(case, id=case.name, marks=case.marks) for case in CASES]


def test_the_table_is_broad() -> None:
    assert len(CASES) >= 140
    assert len({case.name for case in CASES}) == len(CASES)
    commands = {shlex.split(case.argv)[0] for case in CASES}
    assert {"new", "add-feature", "remove-feature", "check", "create-topic", "graph"} <= commands
    assert {"lint-platform", "asyncapi", "dev", "list", "spec"} <= commands


@pytest.mark.parametrize("case", _params())
def test_every_command_keeps_its_promises(
    case: Case, tmp_path: Path, build_before: Callable[[Path, Before], None]
) -> None:
    root = tmp_path / "work"
    root.mkdir()
    build_before(root, case.before)
    before = _snapshot(root)
    argv = shlex.split(case.argv)
    with chdir(root):
        result = runner.invoke(app, argv)
    stdout, stderr = result.stdout, result.stderr
    assert result.exit_code == case.code, f"stdout={stdout!r} stderr={stderr!r}"
    assert "Traceback" not in stdout + stderr and "internal error" not in stderr
    if case.code == 2:
        lines = stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("synth: error: "), stderr
        assert "; " in lines[0], "a refusal names the fix after '; '"
        assert case.message in lines[0]
    else:
        assert case.message in stdout + stderr
    if "--json" in argv:
        assert len(stdout.splitlines()) == 1, stdout
        report = json.loads(stdout)
        assert report["ok"] is (case.code != 2)
        if case.code == 2:
            assert report["error"] and report["fix"], report
    after = _snapshot(root)
    if case.unchanged:
        assert after == before
    else:
        assert after != before
    for path in case.creates:
        assert (root / path).exists(), path
