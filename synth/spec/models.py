"""The service spec: what a synth service is, validated by pydantic.

A spec names the service, its port, the topics it subscribes to and publishes (with the payload
fields of each topic's events), the state keys it keeps (each a key template and a value model),
the services it invokes, whether it has an agent, and the features it is generated with.
"""

from __future__ import annotations

import keyword
import re
import sys
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    field_validator,
    model_serializer,
    model_validator,
)

__all__ = [
    "AgentSpec",
    "FeatureName",
    "FieldSpec",
    "FieldType",
    "InvokeSpec",
    "ServiceSpec",
    "StateBackend",
    "StateKeySpec",
    "TopicSpec",
    "package_name_for",
]

SERVICE_NAME_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
TOPIC_PATTERN = r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$"
IDENTIFIER_PATTERN = r"^[a-z_][a-z0-9_]*$"
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
KEY_LITERAL = re.compile(r"^[A-Za-z0-9_.:\-]*$")

ServiceName = Annotated[str, StringConstraints(pattern=SERVICE_NAME_PATTERN, max_length=40)]
TopicName = Annotated[str, StringConstraints(pattern=TOPIC_PATTERN, max_length=120)]
Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER_PATTERN, max_length=60)]


class FeatureName(StrEnum):
    """Every feature synth knows; `app` and `health` are part of every service."""

    APP = "app"
    HEALTH = "health"
    STATE = "state"
    PUBSUB = "pubsub"
    INVOKE = "invoke"
    AGENT = "agent"


class FieldType(StrEnum):
    """The payload and state field types a spec may use (each maps to one Python annotation)."""

    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATETIME = "datetime"
    LIST_STR = "list[str]"
    DICT_STR = "dict[str, str]"
    DICT_INT = "dict[str, int]"
    DICT_FLOAT = "dict[str, float]"


class StateBackend(StrEnum):
    """The production state store a service is deployed with (local runs use Redis)."""

    REDIS = "redis"
    POSTGRESQL = "postgresql"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_AMBIGUOUS = frozenset({"l", "I", "O"})


def _check_identifier(name: str) -> str:
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ValueError(f"'{name}' is a Python keyword; choose another field name")
    if name in _AMBIGUOUS:
        raise ValueError(f"'{name}' is easily misread (ruff E741); choose a longer name")
    return name


class FieldSpec(_Strict):
    """One typed field of an event payload or a state value."""

    name: Identifier
    type: FieldType = FieldType.STR
    optional: bool = False
    description: str = ""

    _name_not_keyword = field_validator("name")(_check_identifier)


# names the events module defines or imports: a topic model never takes one of them
RESERVED_MODEL_NAMES = frozenset(
    {"EventContext", "BaseModel", "ConfigDict", "Self", "Mapping", "Delivery", "ContextVar"}
)


class TopicSpec(_Strict):
    """A topic the service subscribes to or publishes, with its event payload fields."""

    topic: TopicName
    fields: tuple[FieldSpec, ...] = Field(min_length=1)
    partition_key: Identifier | None = None
    external: bool = False
    description: str = ""

    @model_validator(mode="after")
    def _fields_unique_and_key_known(self) -> TopicSpec:
        _require_unique([f.name for f in self.fields], f"fields of topic {self.topic}")
        if self.partition_key and self.partition_key not in {f.name for f in self.fields}:
            raise ValueError(f"partition_key '{self.partition_key}' is not a field of {self.topic}")
        return self

    @property
    def snake(self) -> str:
        """`code.error-request` -> `code_error_request`, the stem of every derived name."""
        return self.topic.replace(".", "_").replace("-", "_")

    @property
    def model_name(self) -> str:
        """The event model: `CodeErrorRequest` (`...Event` where that name is taken)."""
        pascal = "".join(part[:1].upper() + part[1:] for part in self.snake.split("_") if part)
        return pascal + "Event" if pascal in RESERVED_MODEL_NAMES else pascal

    @property
    def handler_name(self) -> str:
        """The owner's function that handles a delivery: `on_code_error_request`."""
        return f"on_{self.snake}"

    @property
    def receiver_name(self) -> str:
        """The route function Dapr delivers to: `receive_code_error_request`."""
        return f"receive_{self.snake}"

    @property
    def publisher_name(self) -> str:
        """The typed publisher: `publish_code_error_request`."""
        return f"publish_{self.snake}"

    @property
    def payload_name(self) -> str:
        """The sample payload constant of the generated tests: `CODE_ERROR_REQUEST_PAYLOAD`."""
        return f"{self.snake.upper()}_PAYLOAD"

    def route(self, pubsub: str) -> str:
        """The delivery route of this topic on pub/sub component `pubsub`."""
        return f"/events/{pubsub}/{self.topic}"


class StateKeySpec(_Strict):
    """A state key template such as `mastery:{user_id}` and the model of the value it holds."""

    key: str = Field(min_length=1, max_length=120)
    name: Identifier | None = None
    fields: tuple[FieldSpec, ...] = Field(min_length=1)
    ttl_seconds: int | None = Field(default=None, gt=0)
    description: str = ""

    @field_validator("key")
    @classmethod
    def _key_template_well_formed(cls, key: str) -> str:
        if "||" in key:
            raise ValueError("a state key cannot contain '||' (Dapr reserves it, contract S-2)")
        literal = PLACEHOLDER.sub("", key)
        if "{" in literal or "}" in literal or not KEY_LITERAL.match(literal):
            raise ValueError(
                f"key template '{key}' may use letters, digits, '_', '.', ':', '-' and "
                "{placeholders} only"
            )
        params = PLACEHOLDER.findall(key)
        for param in params:
            if not re.match(IDENTIFIER_PATTERN, param) or keyword.iskeyword(param):
                raise ValueError(f"placeholder '{{{param}}}' in '{key}' is not a valid identifier")
            if param in _AMBIGUOUS:
                raise ValueError(f"placeholder '{{{param}}}' is easily misread (ruff E741)")
        _require_unique(params, f"placeholders of '{key}'")
        if not PLACEHOLDER.sub("", key).strip(":._-") and not params:
            raise ValueError(f"key template '{key}' is empty")
        return key

    @model_validator(mode="after")
    def _fields_unique(self) -> StateKeySpec:
        _require_unique([f.name for f in self.fields], f"fields of state key {self.key}")
        return self

    @property
    def params(self) -> tuple[str, ...]:
        """The placeholders of the key template, in order."""
        return tuple(PLACEHOLDER.findall(self.key))

    @property
    def helper_name(self) -> str:
        """The snake_case stem of this key's helpers: `mastery` for `mastery:{user_id}`."""
        if self.name:
            return self.name
        literal = PLACEHOLDER.sub("", self.key)
        stem = re.sub(r"[^a-z0-9]+", "_", literal.lower()).strip("_")
        if not stem:
            stem = "_".join(self.params)
        if stem[0].isdigit():
            stem = f"key_{stem}"
        return stem

    @property
    def model_name(self) -> str:
        """The PascalCase name of the value model: `MasteryState`."""
        return _pascal(self.helper_name) + "State"


class InvokeSpec(_Strict):
    """A service this service calls through Dapr service invocation."""

    app_id: ServiceName
    methods: tuple[Identifier, ...] = ()
    get_methods: tuple[Identifier, ...] = Field(
        default=(),
        description="methods called with HTTP GET (read-only, so retried); the others use POST",
    )

    @model_validator(mode="after")
    def _get_methods_known(self) -> InvokeSpec:
        for method in self.get_methods:
            if method not in self.methods:
                raise ValueError(f"get_methods names '{method}', not a method of {self.app_id}")
        return self


class AgentSpec(_Strict):
    """The LLM tutor of a service: its instructions and which state keys its tools may read."""

    instructions: str = Field(min_length=1)
    request_topic: TopicName | None = None
    response_topic: TopicName | None = None
    reads_state: tuple[str, ...] = ()


class ServiceSpec(_Strict):
    """A whole service: the single input every generator step reads."""

    name: ServiceName
    description: str = ""
    port: int = Field(default=8000, ge=1024, le=65535)
    features: tuple[FeatureName, ...] = ()
    state_store: Identifier = "statestore"
    state_backend: StateBackend = StateBackend.REDIS
    pubsub: Identifier = "pubsub"
    subscribes: tuple[TopicSpec, ...] = ()
    publishes: tuple[TopicSpec, ...] = ()
    state: tuple[StateKeySpec, ...] = ()
    invokes: tuple[InvokeSpec, ...] = ()
    agent: AgentSpec | None = None

    @field_validator("name")
    @classmethod
    def _name_usable_as_package(cls, name: str) -> str:
        package = package_name_for(name)
        if keyword.iskeyword(package) or package in sys.stdlib_module_names:
            raise ValueError(
                f"'{name}' would shadow a Python module or keyword the service imports; "
                "choose another name"
            )
        return name

    @model_validator(mode="after")
    def _consistent(self) -> ServiceSpec:
        _require_unique([t.topic for t in self.subscribes], "subscribed topics")
        _require_unique([t.topic for t in self.publishes], "published topics")
        _require_unique([s.key for s in self.state], "state keys")
        _require_unique([s.helper_name for s in self.state], "state helper names")
        _require_unique([i.app_id for i in self.invokes], "invoked app ids")
        if self.name in {i.app_id for i in self.invokes}:
            raise ValueError("a service does not invoke itself; remove it from invokes")
        known = {s.helper_name for s in self.state}
        if self.agent:
            for ref in self.agent.reads_state:
                if ref not in known:
                    raise ValueError(f"agent.reads_state names '{ref}', not a state key name")
            _check_agent_topics(self.agent, self.subscribes, self.publishes)
        return self

    @model_serializer(mode="wrap")
    def _dump_with_port(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Every dump keeps `port`, even the default: `synth dev` and the record need it."""
        data: dict[str, Any] = handler(self)
        if "port" in data or "name" not in data:
            return data
        head: dict[str, Any] = {k: data[k] for k in ("name", "description") if k in data}
        return {**head, "port": self.port, **data}

    @property
    def package(self) -> str:
        """The Python package of the generated service: `code_review` for `code-review`."""
        return package_name_for(self.name)


def _check_agent_topics(
    agent: AgentSpec, subscribes: tuple[TopicSpec, ...], publishes: tuple[TopicSpec, ...]
) -> None:
    """The agent's topics are wired, whether or not the agent feature is on."""
    if agent.request_topic is None or agent.response_topic is None:
        raise ValueError("agent needs `request_topic` and `response_topic`; add both to `agent:`")
    request = next((t for t in subscribes if t.topic == agent.request_topic), None)
    if request is None:
        raise ValueError(
            f"agent.request_topic '{agent.request_topic}' is not in `subscribes:`; add it there"
        )
    if agent.response_topic not in {t.topic for t in publishes}:
        raise ValueError(
            f"agent.response_topic '{agent.response_topic}' is not in `publishes:`; add it there"
        )
    session = next((f for f in request.fields if f.name == "session_id"), None)
    if session is None or session.type is not FieldType.STR or session.optional:
        raise ValueError(
            f"agent.request_topic '{request.topic}' needs a required `session_id: str` field "
            "(the conversation's key); add it"
        )


def package_name_for(service_name: str) -> str:
    """The importable package name for a service name."""
    return service_name.replace("-", "_")


def _pascal(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_") if part)


def _require_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {value!r} in {what}")
        seen.add(value)
