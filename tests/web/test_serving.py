"""`vuoro serve --workers N`: several waitress processes share one port and stop together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    """A free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> set[int]:
    """Process ids whose parent is `pid` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.add(int(entry.name))
    return found


def test_two_worker_processes_serve_and_stop_on_sigterm(planned, databases) -> None:  # noqa: ANN001
    """Both workers start, pages answer 200, and SIGTERM stops the parent and every worker."""
    url = databases.create(template=planned.url)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "--database-url", url, "serve", "--port", str(port),
         "--workers", "2", "--threads", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 2:
            workers = _children(server.pid)
            time.sleep(0.2)
        assert len(workers) == 2, "two waitress processes"
        statuses = []
        for _ in range(20):
            for _attempt in range(50):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as r:
                        statuses.append(r.status)
                    break
                except OSError:
                    time.sleep(0.2)
        assert statuses == [200] * 20
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        time.sleep(0.5)
        assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()
                    and "zombie" not in Path(f"/proc/{pid}/status").read_text()]
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        databases.drop(url)
