"""`python -m web.loadtest`: a bounded load test of a real `vuoro serve` process on loopback.

It generates a world (the demo's clients, queues and agents, a few weeks of history, next
week forecast, rostered and published), gives every agent a calendar feed and the
coordinator drafts to publish, starts `vuoro serve` (waitress) on a free loopback port, and
runs concurrent simulated users for a fixed time:

- agents sign in, then read their schedule page and poll their calendar feed (as a
  calendar app does: no login, the feed's secret URL, the last answer's ETag sent back so
  an unchanged feed answers 304), now and then the .ics download;
- clients sign in, read their coverage and their requests page, and file capacity requests
  through the form (CSRF and the one-time submission token, as a browser sends them);
- one coordinator reads the week roster and publishes a fresh draft, again and again.

Each user waits a random think time between requests (--think-seconds; 0 = as fast as the
server answers). It prints the load, throughput, and latency percentiles and errors per
page type, and exits 1 if any request failed or agent pages' p95 exceeds --agent-p95-ms.
Users run in several client processes so that the load generator's own GIL does not
inflate the latencies it measures.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import math
import multiprocessing
import os
import random
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from fixtures.history import generate_history
from fixtures.world import build_world
from scheduler.domain import SolveResult
from scheduler.grid import Grid
from web import models as m
from web.calendar import issue_token
from web.clock import site_today
from web.db import make_engine, reset_schema
from web.pipeline import plan_period
from web.planning import grid_of, load_roster, publish, save_draft
from web.seed import seed_world, store_history

AGENT_PAGES = ("agent_shifts", "calendar_feed", "agent_ics")
TIMEOUT_SECONDS = 30.0
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
SUBMISSION = re.compile(r'name="submission"[^>]*value="([^"]+)"')
LOCK_VERSION = re.compile(r'name="lock_version" value="(\d+)"')


@dataclass(frozen=True)
class Persona:
    """One simulated user: a role, a login, and what they look at."""

    role: str
    username: str
    password: str
    key: str = ""  # agent key or client key
    feed: str = ""  # an agent's calendar feed path
    queue: str = ""  # a client's queue key
    drafts: tuple[int, ...] = ()  # roster ids a coordinator publishes, in order


@dataclass
class World:
    """The generated world the server serves, and who uses it."""

    database_url: str
    personas: list[Persona]
    agents: int
    queues: int
    shifts: int


def build(database_url: str, *, seed: int, history_weeks: int, time_limit_seconds: float,
          drafts: int) -> World:
    """Generate, plan and publish the world; add feeds, drafts; list the users."""
    today = site_today()
    world = build_world(seed, today=today)
    history = generate_history(world, end=today, weeks=history_weeks, interval_minutes=30,
                               seed=seed)
    engine = make_engine(database_url)
    reset_schema(engine)
    with Session(engine) as session:
        seed_world(session, world)
        store_history(session, history, 30)
        session.commit()
        roster, _ = plan_period(session, grid=Grid(world.start_day, 7, 30),
                                time_limit_seconds=time_limit_seconds, created_by="loadtest")
        publish(session, roster.id)
        session.commit()
        same = SolveResult(load_roster(session, roster.id), "FEASIBLE", 0.0, 0.0, 0.0)
        draft_ids = []
        for _ in range(drafts):
            draft = save_draft(session, same, requirement_id=roster.requirement_id,
                               grid=grid_of(roster))
            session.flush()
            draft_ids.append(draft.id)
        agents = {a.id: a.key for a in session.exec(select(m.Agent))}
        feeds = {agent_id: issue_token(session, agent_id).token for agent_id in agents}
        clients = {c.id: c.key for c in session.exec(select(m.Client))}
        queue_of = {}
        for q in session.exec(select(m.Queue).order_by(m.Queue.id)):
            queue_of.setdefault(q.client_id, q.key)
        shifts = len(session.exec(select(m.Shift).where(m.Shift.roster_id == roster.id)).all())
        session.commit()
        users = [(u.role, u.username, u.agent_id, u.client_id)
                 for u in session.exec(select(m.User))]
    engine.dispose()
    passwords = {u.username: u.password for u in world.users}
    personas = []
    for role, username, agent_id, client_id in users:
        if role == "agent":
            personas.append(Persona("agent", username, passwords[username], key=agents[agent_id],
                                    feed=f"/calendar/{feeds[agent_id]}.ics"))
        elif role == "client":
            personas.append(Persona("client", username, passwords[username],
                                    key=clients[client_id], queue=queue_of[client_id]))
        elif role == "coordinator":
            personas.append(Persona("coordinator", username, passwords[username],
                                    drafts=tuple(draft_ids)))
    return World(database_url, personas, len(agents), len(world.queues), shifts)


def cast(world: World, users: int, clients: int, rng: random.Random) -> list[Persona]:
    """The concurrent users: one coordinator, `clients` client users, agents for the rest."""
    by_role = defaultdict(list)
    for persona in world.personas:
        by_role[persona.role].append(persona)
    chosen = [by_role["coordinator"][0]]
    chosen += [by_role["client"][i % len(by_role["client"])] for i in range(clients)]
    agents = by_role["agent"]
    rng.shuffle(agents)
    chosen += [agents[i % len(agents)] for i in range(users - len(chosen))]
    return chosen


class Browser:
    """One user's keep-alive connection with cookies, timing every request."""

    def __init__(self, port: int, results: list) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.etags: dict[str, str] = {}  # path -> the ETag its last answer carried
        self.results = results
        self.connection = http.client.HTTPConnection("127.0.0.1", port,
                                                     timeout=TIMEOUT_SECONDS)

    def request(self, page: str, method: str, path: str, form: dict | None = None,
                expect: tuple[int, ...] = (200,), cookies: bool = True,
                conditional: bool = False) -> tuple[int, str, dict]:
        """Send one request; record (page, seconds, ok, status) and return the answer.

        `conditional`: send the ETag the last answer for this path carried (If-None-Match),
        as calendar apps do when they poll a feed; 304 Not Modified is then a good answer."""
        headers = {"Connection": "keep-alive"}
        if conditional and path in self.etags:
            headers["If-None-Match"] = self.etags[path]
            expect = (*expect, 304)
        if cookies and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        status, text, answer_headers = 0, "", {}
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            status = response.status
            answer_headers = {k.lower(): v for k, v in response.getheaders()}
            if conditional and "etag" in answer_headers:
                self.etags[path] = answer_headers["etag"]
            for name, value in response.getheaders():
                if name.lower() == "set-cookie" and cookies:
                    pair = value.split(";", 1)[0]
                    key, _, cookie = pair.partition("=")
                    self.cookies[key.strip()] = cookie.strip()
        except (OSError, http.client.HTTPException) as error:
            text = f"{type(error).__name__}: {error}"
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                         timeout=TIMEOUT_SECONDS)
        elapsed = time.perf_counter() - started
        self.results.append((page, elapsed, status in expect, status, started))
        return status, text, answer_headers


def _token(pattern: re.Pattern, page: str) -> str:
    """The first group that matched in a page ('' if none)."""
    found = pattern.search(page)
    return next((g for g in found.groups() if g), "") if found else ""


def _log_in(browser: Browser, persona: Persona) -> None:
    """Sign in through the login form."""
    _, page, _ = browser.request("login_page", "GET", "/login")
    browser.request("login", "POST", "/login", {
        "username": persona.username, "password": persona.password,
        "csrf_token": _token(CSRF, page)}, expect=(302,))


def _agent(browser: Browser, persona: Persona, rng: random.Random) -> None:
    """One agent step: the schedule page and the calendar feed (sometimes the download)."""
    browser.request("agent_shifts", "GET", f"/agents/{persona.key}/shifts")
    browser.request("calendar_feed", "GET", persona.feed, cookies=False, conditional=True)
    if rng.random() < 0.2:
        browser.request("agent_ics", "GET", f"/agents/{persona.key}/shifts.ics")


def _client(browser: Browser, persona: Persona, rng: random.Random) -> None:
    """One client step: coverage, the requests page, and now and then a new request."""
    browser.request("client_coverage", "GET", f"/clients/{persona.key}/coverage")
    _, page, _ = browser.request("client_requests", "GET", f"/clients/{persona.key}/requests")
    if rng.random() < 0.5:
        day = site_today() + timedelta(days=rng.randint(1, 30))
        browser.request("capacity_request", "POST", f"/clients/{persona.key}/requests", {
            "csrf_token": _token(CSRF, page), "submission": _token(SUBMISSION, page),
            "queue": persona.queue, "day": day.isoformat(), "start": "09:00", "end": "15:00",
            "extra_agents": str(rng.randint(1, 5)), "extra_contacts_percent": "",
            "reason": "Load test campaign"}, expect=(303,))


def _coordinator(browser: Browser, persona: Persona, state: dict) -> None:
    """One coordinator step: open the next draft's roster page and publish it."""
    if state["next"] >= len(persona.drafts):
        browser.request("coordinator_roster", "GET", "/coordinator/roster")
        return
    draft = persona.drafts[state["next"]]
    state["next"] += 1
    _, page, _ = browser.request("coordinator_roster", "GET", f"/coordinator/roster?roster={draft}")
    browser.request("publish", "POST", f"/coordinator/rosters/{draft}/publish", {
        "csrf_token": _token(CSRF, page), "lock_version": _token(LOCK_VERSION, page)},
        expect=(303,))


def _user(port: int, persona: Persona, begin: float, until: float, think: float, seed: int,
          results: list) -> None:
    """Sign in during the warm-up, then use the site from `begin` until `until`.

    Signing in hashes a password (deliberately slow); a day's users do not all sign in
    within one second, so logins happen before the measured window and are reported apart.
    """
    rng = random.Random(seed)
    warm_up: list = []
    browser = Browser(port, warm_up)
    time.sleep(rng.uniform(0, max(0.0, begin - time.perf_counter() - 2)))
    _log_in(browser, persona)
    results.extend(("warm-up " + row[0], *row[1:]) for row in warm_up)
    browser.results = results
    time.sleep(max(0.0, begin - time.perf_counter() + rng.uniform(0, max(think, 0.1))))
    state = {"next": 0}
    while time.perf_counter() < until:
        if persona.role == "agent":
            _agent(browser, persona, rng)
        elif persona.role == "client":
            _client(browser, persona, rng)
        else:
            _coordinator(browser, persona, state)
        if think:
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))


def _client_process(port: int, personas: list[Persona], warm_up: float, seconds: float,
                    think: float, seed: int, out: multiprocessing.Queue) -> None:
    """A load-generator process: its users as threads; the timings go back on `out`."""
    results: list = []
    begin = time.perf_counter() + warm_up  # perf_counter is system-wide: every process agrees
    until = begin + seconds
    threads = [threading.Thread(target=_user, args=(port, p, begin, until, think, seed + i,
                                                    results))
               for i, p in enumerate(personas)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(results)


def _free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(database_url: str, port: int, log: Path, workers: int) -> subprocess.Popen:
    """Start `vuoro serve` (waitress, its output to `log`) and wait until it answers."""
    with log.open("wb") as output:  # a file, not a pipe: a full pipe would stall the server
        process = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "--database-url", database_url, "serve",
             "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vuoro serve exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("vuoro serve did not start within 60 s")


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its worker processes (Linux
    /proc; 0 where it cannot be read)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of a sample."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Report:
    """Timings per page type over the measured window."""

    seconds: float
    rows: dict[str, list[tuple[float, bool, int]]] = field(default_factory=dict)

    def text(self, users: int, think: float, world: World, workers: int) -> str:
        """The figures as a table."""
        window = {p: v for p, v in self.rows.items() if not p.startswith("warm-up ")}
        total = sum(len(v) for v in window.values())
        errors = sum(1 for v in self.rows.values() for _, ok, _ in v if not ok)
        lines = [
            f"{users} concurrent users for {self.seconds:.0f} s on loopback; think time "
            f"{think:.2f} s (±50 %); world: {world.agents} agents, {world.queues} queues, "
            f"{world.shifts} shifts a week; server: vuoro serve --workers {workers} (waitress, "
            "8 threads each)",
            f"{total:,} requests in the window, {total / self.seconds:.1f} requests/s, "
            f"{errors} errors (warm-up included)",
            f"{'page':<20} {'requests':>9} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'p99 ms':>8} {'max ms':>8} {'errors':>7}",
        ]
        for page in sorted(self.rows):
            rows = self.rows[page]
            ms = [1000 * s for s, _, _ in rows]
            bad = [status for _, ok, status in rows if not ok]
            rate = "" if page.startswith("warm-up ") else f"{len(rows) / self.seconds:.1f}"
            lines.append(
                f"{page:<20} {len(rows):>9,} {rate:>7} "
                f"{statistics.median(ms):>8.0f} {percentile(ms, 0.95):>8.0f} "
                f"{percentile(ms, 0.99):>8.0f} {max(ms):>8.0f} {len(bad):>7}"
                + (f"  (statuses {sorted(set(bad))})" if bad else "")
            )
        agent_ms = [1000 * s for p in AGENT_PAGES for s, _, _ in self.rows.get(p, [])]
        if agent_ms:
            lines.append(f"agent pages together: p95 {percentile(agent_ms, 0.95):.0f} ms over "
                         f"{len(agent_ms):,} requests")
        return "\n".join(lines)

    def agent_p95_ms(self) -> float:
        """p95 over every agent page type."""
        ms = [1000 * s for p in AGENT_PAGES for s, _, _ in self.rows.get(p, [])]
        return percentile(ms, 0.95) if ms else 0.0

    def errors(self) -> int:
        """Failed requests."""
        return sum(1 for v in self.rows.values() for _, ok, _ in v if not ok)


def run(args: argparse.Namespace) -> int:
    """Build the world, serve it, load it, report."""
    folder = Path(tempfile.mkdtemp(prefix="vuoro-load-"))
    url = args.database_url or f"sqlite:///{folder / 'load.sqlite'}"
    print(f"• Building the world in {url} (history {args.history_weeks} weeks, solve up to "
          f"{args.time_limit:.0f} s, {args.drafts} drafts to publish)", flush=True)
    started = time.perf_counter()
    world = build(url, seed=args.seed, history_weeks=args.history_weeks,
                  time_limit_seconds=args.time_limit, drafts=args.drafts)
    print(f"  done in {time.perf_counter() - started:.0f} s: {world.agents} agents, "
          f"{world.shifts} shifts published", flush=True)
    port = _free_port()
    server_log = folder / "serve.log"
    server = serve(url, port, server_log, args.workers)
    print(f"• vuoro serve --workers {args.workers} on 127.0.0.1:{port} (pid {server.pid}); "
          f"{args.users} users sign in over {args.warm_up_seconds:.0f} s, then "
          f"{args.seconds:.0f} s measured", flush=True)
    rng = random.Random(args.seed)
    users = cast(world, args.users, args.clients, rng)
    processes = max(1, min(args.processes, len(users)))
    out: multiprocessing.Queue = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_client_process, args=(
            port, users[i::processes], args.warm_up_seconds, args.seconds, args.think_seconds,
            args.seed + 1000 * i, out))
        for i in range(processes)
    ]
    try:
        for worker in workers:
            worker.start()
        time.sleep(args.warm_up_seconds)
        cpu_before = server_cpu_seconds(server.pid)
        results = [row for _ in workers for row in out.get(
            timeout=args.warm_up_seconds + args.seconds + 120)]
        cpu_used = server_cpu_seconds(server.pid) - cpu_before
        for worker in workers:
            worker.join()
        generator_cpu = sum(getattr(resource.getrusage(resource.RUSAGE_CHILDREN), f)
                            for f in ("ru_utime", "ru_stime"))  # the joined load generators
    finally:
        server.terminate()
        server.wait(timeout=30)
    measured = [r for r in results if not r[0].startswith("warm-up ")]
    first = min(r[4] for r in measured)
    last = max(r[4] + r[1] for r in measured)
    report = Report(last - first)
    for page, seconds, ok, status, _ in results:
        report.rows.setdefault(page, []).append((seconds, ok, status))
    print(report.text(args.users, args.think_seconds, world, args.workers))
    print(f"server CPU in the window: {cpu_used:.1f} s over {report.seconds:.0f} s "
          f"({cpu_used / report.seconds:.2f} of {os.cpu_count()} cores), "
          f"{1000 * cpu_used / max(1, len(measured)):.1f} ms per request; the load generator "
          f"used {generator_cpu:.1f} s of CPU in all (warm-up included)")
    queue_warnings = server_log.read_text(errors="replace").count("Task queue depth")
    print(f"server log {server_log}: {queue_warnings} waitress 'task queue depth' warnings "
          "(requests waiting for one of its threads)")
    p95 = report.agent_p95_ms()
    verdict = report.errors() == 0 and p95 < args.agent_p95_ms
    print(f"\n{'PASS' if verdict else 'FAIL'}: {report.errors()} errors (target 0), agent "
          f"pages p95 {p95:.0f} ms (target < {args.agent_p95_ms:.0f} ms); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0 if verdict else 1


def main(argv: list[str] | None = None) -> int:
    """Parse the options and run the load test."""
    parser = argparse.ArgumentParser(prog="python -m web.loadtest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="where to build the world (default: SQLite "
                        "in a temporary folder); it is reset")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--clients", type=int, default=8, help="client users among them")
    parser.add_argument("--seconds", type=float, default=60.0, help="the measured window")
    parser.add_argument("--warm-up-seconds", type=float, default=30.0,
                        help="users sign in, spread over this time, before the window")
    parser.add_argument("--think-seconds", type=float, default=1.0)
    parser.add_argument("--processes", type=int, default=4, help="load-generator processes")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="vuoro serve processes (default: one per core)")
    parser.add_argument("--history-weeks", type=int, default=8)
    parser.add_argument("--time-limit", type=float, default=10.0, help="solver seconds")
    parser.add_argument("--drafts", type=int, default=25, help="drafts for the coordinator")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--agent-p95-ms", type=float, default=200.0)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
