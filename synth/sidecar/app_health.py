"""App health checks as daprd runs them with ``--enable-app-health-check`` (contract H-5).

Every ``interval`` seconds the monitor sends ``GET <path>`` to the app (timeout ``timeout``
seconds); any 2xx is a success, anything else (another status, no answer in time, no
connection) a failure.  After ``threshold`` consecutive failures the app is *unhealthy* and
deliveries pause; one success makes it healthy again and they resume.  As in daprd the app
starts unhealthy, so subscriptions begin only after the first successful probe.
[dapr] ``pkg/channel/http/http_channel.go`` HealthProbe, ``cmd/daprd/options/options.go``
(defaults ``/healthz``, 5 s, 500 ms, 3).

One local addition: a delivery that cannot even connect to the app (its port refuses) reports
it at once (:meth:`AppHealthMonitor.report_unreachable`), pausing deliveries without waiting
for ``threshold`` probes, so an app that died does not burn the events' redelivery attempts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import httpx

__all__ = ["AppHealthConfig", "AppHealthMonitor"]

log = logging.getLogger("synth.sidecar")


@dataclass(frozen=True)
class AppHealthConfig:
    """The daprd flags ``--app-health-check-path`` / ``-probe-interval`` / ``-probe-timeout`` /
    ``-threshold`` (interval and timeout here in seconds)."""

    path: str = "/healthz"
    interval: float = 5.0
    timeout: float = 0.5
    threshold: int = 3

    def __post_init__(self) -> None:
        if self.interval <= 0 or self.timeout <= 0 or self.threshold < 1:
            raise ValueError("app health: interval and timeout must be > 0, threshold >= 1")


class AppHealthMonitor:
    """Probes one app; :meth:`wait_healthy` is the gate every delivery passes."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        config: AppHealthConfig,
        app_token: str | None = None,
    ) -> None:
        self.config = config
        self._client = client
        self._url = f"{base_url.rstrip('/')}/{config.path.lstrip('/')}"
        self._headers = {"dapr-api-token": app_token} if app_token else {}
        self._healthy = asyncio.Event()
        self._failures = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.probes = 0

    @property
    def healthy(self) -> bool:
        return self._healthy.is_set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"app-health {self._url}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def wait_healthy(self) -> None:
        """Return at once while healthy; otherwise when a probe next succeeds."""
        await self._healthy.wait()

    def report_unreachable(self) -> None:
        """A delivery found the app's port closed: unhealthy now, and probe again soon."""
        self._failures = max(self._failures, self.config.threshold)
        if self._healthy.is_set():
            self._healthy.clear()
            log.warning("app at %s is unreachable; deliveries paused", self._url)
        self._wake.set()

    async def probe(self) -> bool:
        """One health probe: ``GET <path>`` answered 2xx within the timeout."""
        self.probes += 1
        try:
            response = await self._client.get(
                self._url, headers=self._headers, timeout=self.config.timeout
            )
        except httpx.HTTPError:
            return False
        return 200 <= response.status_code < 300

    def _record(self, ok: bool) -> None:
        if ok:
            self._failures = 0
            if not self._healthy.is_set():
                self._healthy.set()
                log.info("app health check %s passed; deliveries run", self._url)
            return
        self._failures += 1
        if self._healthy.is_set() and self._failures >= self.config.threshold:
            self._healthy.clear()
            log.warning(
                "app health check %s failed %d times in a row; deliveries paused",
                self._url,
                self._failures,
            )

    async def _run(self) -> None:
        while True:
            self._record(await self.probe())
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.config.interval):
                    await self._wake.wait()
