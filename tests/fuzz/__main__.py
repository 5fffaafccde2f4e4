"""`python -m tests.fuzz`: thousands of generated inputs across import, forms and the JSON API.

Builds the small planned world once (as the tests do; SQLite, or PostgreSQL when
DATABASE_URL names a server), gives each target a fresh copy, runs hypothesis (and
schemathesis for the API) for each target's share of --inputs, and prints inputs, accepted,
refused, server errors, partial writes, unclear refusals and wrongly stored data per target.
Exits 1 when any input broke a promise.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from fixtures.history import generate_history, write_history_csv
from tests.web.conftest import TODAY, plan_from_csv, small_world
from tests.web.databases import TestDatabases
from web import coordinator, create_app

from .csv_inputs import mutated_history_csv
from .discovered_forms import ALL_FORM_TARGETS
from .history_target import check_history_bytes
from .outcomes import Outcome, Tally
from .web_targets import Site, api_inputs, check_api_case

HISTORY_IMPORT_SHARE = 0.20
API_SHARE = 0.17


def _run(name: str, strategy: st.SearchStrategy, check: Callable[[Any], Outcome],
         inputs: int, tally: Tally, run_seed: int) -> None:
    """Feed `inputs` generated examples to `check`, recording every outcome (never stopping)."""
    started, before = time.perf_counter(), tally.inputs(name)
    attempt = 0
    while tally.inputs(name) - before < inputs and attempt < 5:  # a small space runs dry early
        wanted = inputs - (tally.inputs(name) - before)

        @seed(run_seed + attempt)
        @settings(max_examples=wanted, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def feed(example: Any) -> None:  # noqa: ANN401
            tally.record(name, check(example), repr(example))

        feed()
        attempt += 1
    print(f"  {name:<44} {tally.inputs(name) - before:>6,} inputs in "
          f"{time.perf_counter() - started:6.1f} s", flush=True)


def _planned_world(databases: TestDatabases, folder: Path) -> tuple[str, dict[str, str]]:
    """The small world's published roster, as the suite builds it; its URL and passwords."""
    world = small_world()
    csv_path = folder / "history.csv"
    write_history_csv(generate_history(world, end=TODAY, weeks=8, interval_minutes=30), csv_path)
    url = databases.create()
    plan_from_csv(url, csv_path, world)
    return url, {u.username: u.password for u in world.users}


def _site(databases: TestDatabases, template: str, passwords: dict[str, str],
          made: list[str]) -> Site:
    """A fresh app on a fresh copy of the planned world, prepared for fuzzing."""
    url = databases.create(template=template)
    made.append(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "fuzz",
                      "TODAY": TODAY})
    return Site(app, TODAY, passwords).prepare()


def _api_operations() -> list:
    """Every operation of the OpenAPI document, with the checks each answer must pass."""
    import schemathesis
    from schemathesis import checks

    from web.openapi import OPENAPI

    schema = schemathesis.openapi.from_dict(OPENAPI)
    chosen = [checks.not_a_server_error, checks.status_code_conformance,
              checks.content_type_conformance, checks.response_schema_conformance]
    return [(result.ok(), chosen) for result in schema.get_all_operations()]


def main(argv: list[str] | None = None) -> int:
    """Run every target for its share of --inputs and print the tally."""
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--inputs", type=int, default=10_000, help="total generated inputs")
    parser.add_argument("--seed", type=int, default=20261118)
    parser.add_argument("--only", nargs="*", help="target names to run (default: all)")
    args = parser.parse_args(argv)
    wanted = set(args.only or [])
    tally = Tally()
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="vuoro-fuzz-"))
    databases = TestDatabases(folder)
    print(f"Fuzzing {args.inputs:,} inputs on {databases.backend} (seed {args.seed})",
          flush=True)

    def chosen(name: str) -> bool:
        return not wanted or name in wanted

    if chosen("history_import"):
        _run("history_import", mutated_history_csv(), check_history_bytes,
             int(args.inputs * HISTORY_IMPORT_SHARE), tally, args.seed)
    made: list[str] = []
    try:
        _run_web_targets(args, tally, databases, folder, made, chosen)
    finally:
        for url in made:
            databases.drop(url)
    print(f"\n{tally.report()}\n\n{tally.inputs():,} inputs in "
          f"{time.perf_counter() - started:.0f} s")
    failed = sum(tally.failures(kind) for kind in ("server_error", "partial_write",
                                                    "unclear_error", "wrong_data"))
    print("server errors:", tally.failures("server_error"), "· partial writes:",
          tally.failures("partial_write"), "· unclear refusals:",
          tally.failures("unclear_error"), "· wrongly stored:", tally.failures("wrong_data"))
    return 1 if failed else 0


def _run_web_targets(args: argparse.Namespace, tally: Tally, databases: TestDatabases,
                     folder: Path, made: list[str], chosen: Callable[[str], bool]) -> None:
    """The forms, the upload and the API, each on its own copy of the planned world."""
    if not any(chosen(t.name) for t in ALL_FORM_TARGETS) and not chosen("api"):
        return
    print("  building the planned world (forecast, staffing, a 10 s solve)...", flush=True)
    template, passwords = _planned_world(databases, folder)
    made.append(template)
    with mock.patch.object(coordinator, "start_job", lambda *_a, **_k: None):  # no solves
        for target in ALL_FORM_TARGETS:
            if not chosen(target.name):
                continue
            site = _site(databases, template, passwords, made)
            _run(target.name, target.inputs(site), lambda e, s=site, t=target: t.check(s, e),
                 int(args.inputs * target.share), tally, args.seed)
            site.close()
    if chosen("api"):
        operations = _api_operations()
        site = _site(databases, template, passwords, made)
        per_operation = int(args.inputs * API_SHARE / len(operations)) + 1
        for operation, checks in operations:
            _run(f"api {operation.method.upper()} {operation.path}",
                 api_inputs(site, operation),
                 lambda example, s=site, c=checks: check_api_case(s, example, c),
                 per_operation, tally, args.seed)
        site.close()


if __name__ == "__main__":
    sys.exit(main())
