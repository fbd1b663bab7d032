"""Child processes that die with their parent: their own process group and `PR_SET_PDEATHSIG`.

`synth dev` starts uvicorn services (and a local Kafka broker).  Killed with SIGKILL it cannot
stop them, and they would keep their ports.  Each child is therefore started in a process group
of its own (`process_group=0`: stopping it signals the whole group) and, on Linux, asks the
kernel to SIGKILL it when its parent dies (`prctl(PR_SET_PDEATHSIG, SIGKILL)`, through ctypes).
The kernel fires on the exit of the parent *thread* that forked the child, so children must be
started from a thread that lives as long as they should (the runner's event-loop thread).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
import sys
from collections.abc import Callable

__all__ = ["PR_SET_PDEATHSIG", "die_with_parent", "port_in_use"]

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` making the child die with this process; `None` off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl: nobody to die with
            os._exit(1)

    return preexec


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something already listens on `host:port` (so a service could not bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False
