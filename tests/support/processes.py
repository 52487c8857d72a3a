"""Look at a server's child processes through /proc (Linux), for the crash tests."""

from __future__ import annotations

import os
import time
from pathlib import Path


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: read the fields after it.
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[1])


def child_pids(pid: int) -> list[int]:
    """Direct children of ``pid``."""
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit() and _parent_of(int(entry)) == pid]


def is_running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until_gone(pids: list[int], timeout: float = 5.0) -> list[int]:
    """Wait for ``pids`` to end; return those still running at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [pid for pid in pids if is_running(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def start_patiently(server, timeout: float = 90.0):
    """``server.start()``, tolerating a health check that times out on a busy machine.

    ``ServerProcess.start`` gives up when one health request takes over a second;
    under heavy load a starting server can be that slow without being broken.
    """
    import requests

    try:
        return server.start()
    except requests.Timeout:
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"server exited: {server.log_path.read_text()[-2000:]}"
        try:
            if requests.get(f"{server.url}/api/v1/health", timeout=10).ok:
                return server
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError(f"server did not answer within {timeout}s")
