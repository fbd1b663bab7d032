"""Child processes that die with their parent: their own process group and `PR_SET_PDEATHSIG`.

`synth dev` starts uvicorn services (and a local Kafka broker).  Killed with SIGKILL it cannot
stop them, and they would keep their ports.  Each child is therefore started in a process group
of its own (`process_group=0`: stopping it signals the whole group) and, on Linux, asks the
kernel to SIGKILL it when its parent dies (`prctl(PR_SET_PDEATHSIG, SIGKILL)`, through ctypes).

The prctl is not made in a `preexec_fn`: that forces a plain fork of a process whose gRPC
threads (the in-process sidecars) then abort the child now and then.  Instead the child starts
as a few lines of Python (:data:`GUARD`) that make the call, check the parent is still the one
that started it, and `exec` the real command -- same pid, and the death signal survives exec.
The kernel fires on the exit of the parent *thread* that started the child, so children must
be started from a thread that lives as long as they should (the runner's event-loop thread).
"""

from __future__ import annotations

import os
import socket
import sys

__all__ = ["GUARD", "PR_SET_PDEATHSIG", "die_with_parent", "port_in_use"]

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

GUARD = (
    "import ctypes, os, signal, sys\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"  # the running process's libc
    f"libc.prctl({PR_SET_PDEATHSIG}, signal.SIGKILL, 0, 0, 0)\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(1)\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


def die_with_parent(command: list[str]) -> list[str]:
    """`command`, started so that it dies with this process (unchanged off Linux).

    `command[0]` must be an absolute path (it is `exec`ed as is).
    """
    if not sys.platform.startswith("linux"):
        return command
    return [sys.executable, "-I", "-S", "-c", GUARD, str(os.getpid()), *command]


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something already listens on `host:port` (so a service could not bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False
