"""Service invocation (I-1..I-5): target resolution and forwarding to the target app.

:class:`NameRegistry` is the in-process name resolution: every started sidecar registers
``app id -> (host, app port, app token)``, so sidecars sharing one process (``synth dev``) reach
each other's apps; a static map in the config adds out-of-process apps.  The local runtime
forwards straight to the target *app* (no sidecar-to-sidecar hop) adding the headers daprd adds.
"""

from __future__ import annotations

import base64
import itertools
import posixpath
from dataclasses import dataclass
from urllib.parse import unquote

import httpx

from .cloudevents import new_traceparent
from .errors import direct_invoke_failed, direct_invoke_no_app_id

__all__ = ["AppAddress", "Forwarder", "NameRegistry", "REGISTRY", "find_target"]

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "upgrade",
        "te",
        "trailer",
        "trailers",
        "http2-settings",
    }
)
_STRIPPED_REQUEST = frozenset({"content-length", "dapr-api-token", "dapr-app-id", "host"})


@dataclass(frozen=True)
class AppAddress:
    host: str
    port: int
    app_token: str | None = None
    scheme: str = "http"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


class NameRegistry:
    """In-process app-id resolution shared by the sidecars of one process."""

    def __init__(self) -> None:
        self._entries: dict[str, list[AppAddress]] = {}
        self._cursor = itertools.count()

    def register(self, app_id: str, address: AppAddress) -> None:
        self._entries.setdefault(app_id, []).append(address)

    def unregister(self, app_id: str, address: AppAddress) -> None:
        entries = self._entries.get(app_id, [])
        if address in entries:
            entries.remove(address)
        if not entries:
            self._entries.pop(app_id, None)

    def resolve(self, app_id: str) -> AppAddress | None:
        entries = self._entries.get(app_id)
        if not entries:
            return None
        return entries[next(self._cursor) % len(entries)]


REGISTRY = NameRegistry()


def _hop_by_hop(name: str, connection_tokens: set[str]) -> bool:
    lowered = name.lower()
    return lowered in HOP_BY_HOP or lowered.startswith("proxy-") or lowered in connection_tokens


def find_target(path: str, headers: dict[str, str]) -> tuple[str, str]:
    """I-2: (app id, method) from ``dapr-app-id``, Basic auth, or the invoke path."""
    app_id = headers.get("dapr-app-id")
    if app_id:
        return app_id, path.lstrip("/")
    auth = headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            user, password = "", ""
        if user == "dapr-app-id" and password:
            return password, path.lstrip("/")
    prefix = "/v1.0/invoke/"
    if path.startswith(prefix):
        rest = path[len(prefix) :]
        index = rest.find("/method/")
        if index > 0:
            method = posixpath.normpath("/" + rest[index + len("/method/") :]).lstrip("/")
            return unquote(rest[:index]), method
    raise direct_invoke_no_app_id()


class Forwarder:
    """Forwards one invocation to the target app and returns its raw reply (I-3, I-4)."""

    def __init__(
        self,
        *,
        own_app_id: str,
        client: httpx.AsyncClient,
        registry: NameRegistry,
        static: dict[str, tuple[str, int]],
    ) -> None:
        self._own = own_app_id
        self._client = client
        self._registry = registry
        self._static = static

    def resolve(self, app_id: str) -> AppAddress:
        if app_id.startswith(("http://", "https://")):
            scheme, _, hostport = app_id.partition("://")
            host, _, port = hostport.rstrip("/").rpartition(":")
            try:
                return AppAddress(host or hostport, int(port), None, scheme)
            except ValueError:
                pass
        found = self._registry.resolve(app_id)
        if found is not None:
            return found
        if app_id in self._static:
            static_host, static_port = self._static[app_id]
            return AppAddress(static_host, static_port)
        raise direct_invoke_failed(app_id, f"app id {app_id} not found")

    async def invoke(
        self,
        *,
        app_id: str,
        method: str,
        verb: str,
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        client_host: str = "",
        host_header: str = "",
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        target = self.resolve(app_id)
        connection_tokens = {
            token.strip().lower()
            for name, value in headers
            if name.lower() == "connection"
            for token in value.split(",")
        }
        out: list[tuple[str, str]] = []
        traceparent: str | None = None
        for name, value in headers:
            lowered = name.lower()
            if _hop_by_hop(lowered, connection_tokens) or lowered in _STRIPPED_REQUEST:
                continue
            if lowered.startswith(("dapr-caller-", "dapr-callee-")):
                continue
            if lowered == "traceparent":
                traceparent = value
                continue
            out.append((name, value))
        out.append(("dapr-caller-app-id", self._own))
        out.append(("dapr-callee-app-id", app_id))
        if client_host:
            out.append(("X-Forwarded-For", client_host))
            out.append(("Forwarded", f"for={client_host};by={client_host};host={host_header}"))
        if host_header:
            out.append(("X-Forwarded-Host", host_header))
        out.append(("traceparent", new_traceparent(traceparent)))
        if target.app_token:
            out.append(("dapr-api-token", target.app_token))
        url = f"{target.base_url}/{method}"
        if query:
            url = f"{url}?{query}"
        try:
            request = self._client.build_request(verb, url, headers=out, content=body)
            response = await self._client.send(request, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise direct_invoke_failed(app_id, str(exc) or type(exc).__name__) from exc
        reply_tokens = {
            token.strip().lower() for token in response.headers.get("connection", "").split(",")
        }
        reply = [
            (name, value)
            for name, value in response.headers.multi_items()
            if not _hop_by_hop(name, reply_tokens)
            and name.lower() not in ("content-length", "content-encoding")
        ]
        return response.status_code, reply, response.content
