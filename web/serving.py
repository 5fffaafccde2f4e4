"""Serve the app with waitress: one process, or several sharing one listening socket.

Python runs one thread of Python code at a time per process, so a single waitress process
uses one core however many threads it has. With `workers` > 1 the parent binds the socket,
forks that many waitress processes that all accept from it (each builds its own app and
database engine after the fork), restarts any that dies, and stops them all on SIGTERM or
Ctrl+C. SQLite (in WAL mode) and PostgreSQL both take several processes.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Callable

import waitress
from flask import Flask

RESTART_PAUSE_SECONDS = 1.0


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket the worker processes share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def _worker(make_app: Callable[[], Flask], sock: socket.socket, threads: int) -> None:
    """A child process: its own app and engine, waitress on the shared socket."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        waitress.serve(make_app(), sockets=[sock], threads=threads)
    finally:
        os._exit(0)


def serve(make_app: Callable[[], Flask], *, host: str, port: int, threads: int = 8,
          workers: int = 1) -> None:
    """Serve until stopped: in this process (workers=1) or in `workers` forked processes."""
    sock = listening_socket(host, port)
    if workers <= 1:
        waitress.serve(make_app(), sockets=[sock], threads=threads)
        return
    children: set[int] = set()
    stopping = False

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:
            _worker(make_app, sock, threads)
        children.add(pid)

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                children.discard(pid)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        spawn()
    while children:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        children.discard(pid)
        if not stopping:
            print(f"waitress worker {pid} stopped; starting another", file=sys.stderr)
            time.sleep(RESTART_PAUSE_SECONDS)
            spawn()
    sock.close()
