"""The schema is built by migrations, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect, text
from sqlmodel import Session, SQLModel, select

from scheduler.domain import Fairness, ShiftRule
from scheduler.validate import validate
from web import create_app
from web import models as m
from web.cli import main
from web.db import make_engine, upgrade_schema
from web.planning import fairness as to_fairness
from web.planning import load_roster, planning_settings, stored_problem
from web.planning import shift_rule as to_shift_rule

from .rich_data import copy_into, enrich
from .snapshots import comparable


def test_migrations_build_exactly_the_models_schema(databases) -> None:  # noqa: ANN001
    """After `vuoro db upgrade`, autogenerate finds nothing left to migrate."""
    url = databases.create()
    assert main(["--database-url", url, "db", "upgrade"]) == 0
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    databases.drop(url)


def test_upgrade_keeps_data_and_is_idempotent(databases) -> None:  # noqa: ANN001
    """Data written at the first migration survives upgrading to the latest, twice."""
    url = databases.create()
    engine = make_engine(url)
    upgrade_schema(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO client (key, name, shortfall_weight) VALUES ('telco', 'Telco Oy', 150)"))
    upgrade_schema(engine)
    upgrade_schema(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT key, name, shortfall_weight FROM client")).all()
    assert [tuple(r) for r in rows] == [("telco", "Telco Oy", 150)]
    assert "job" in inspect(engine).get_table_names()
    engine.dispose()
    databases.drop(url)


def _rows_by_column(engine, tables: dict[str, list[str]]) -> dict[str, list[dict]]:  # noqa: ANN001
    """Every row of the given tables as {column: value}, for the given columns only."""
    schema = MetaData()
    schema.reflect(bind=engine, only=list(tables))
    found = {}
    with engine.connect() as connection:
        for name, columns in tables.items():
            table = schema.tables[name]
            query = select(*(table.c[c] for c in columns)).order_by(*table.primary_key.columns)
            found[name] = [{c: comparable(v) for c, v in zip(columns, row, strict=True)}
                           for row in connection.execute(query)]
    return found


def test_upgrade_from_the_first_migration_keeps_every_row_of_a_working_database(app, databases) -> None:  # noqa: ANN001, E501
    """A database written at revision 0001 with a day's real use upgrades to the latest:
    every row of every table keeps every value, and the app still works on it."""
    source = app.extensions["vuoro_engine"]
    with Session(source) as session:
        published = session.exec(select(m.Roster.id).where(m.Roster.status == "published")).one()
        enrich(session, published)
    url = databases.create()
    engine = make_engine(url)
    upgrade_schema(engine, "0001")
    copied = copy_into(source, engine)
    for table in ("client", "queue", "agent", "user", "contacthistory", "shift", "break",
                  "activity", "capacityrequest", "timeoff", "calendartoken", "roster", "job"):
        assert copied.get(table), f"the 0001 database must hold {table} rows"
    old_columns = {name: [c["name"] for c in inspect(engine).get_columns(name)]
                   for name in copied}
    written = _rows_by_column(engine, old_columns)

    upgrade_schema(engine)
    assert _rows_by_column(engine, old_columns) == written
    with Session(engine) as session:
        roster = session.exec(select(m.Roster).where(m.Roster.status == "published")).one()
        assert validate(stored_problem(session, roster), load_roster(session, roster.id)) == []
        assert all(r.lock_version >= 1 for r in session.exec(select(m.Roster)))
    engine.dispose()
    upgraded = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "DATABASE_URL": url})
    client = upgraded.test_client()
    with Session(upgraded.extensions["vuoro_engine"]) as session:
        user = session.exec(select(m.User).where(m.User.role == "client")).first()
    assert client.post("/login", data={"username": user.username, "password": "demo"}
                       ).status_code == 302
    page = client.get("/client/requests", follow_redirects=True).get_data(as_text=True)
    assert "Campaign (declined)" in page and "Nobody certified is free" in page
    upgraded.extensions["vuoro_engine"].dispose()
    databases.drop(url)


def test_upgrade_gives_existing_shift_rules_the_schedulers_soft_term_defaults(databases) -> None:  # noqa: ANN001, E501
    """Shift rules written before coffee breaks and fairness were editable keep their values
    and plan exactly as before: the scheduler's defaults, and no planning settings row."""
    url = databases.create()
    engine = make_engine(url)
    upgrade_schema(engine, "merge_st4_web6")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO shiftrule (name, earliest_start_minute, latest_start_minute, "
            "lengths_minutes, start_step_minutes, meal_break_minutes, meal_break_over_minutes, "
            "meal_break_window_start, meal_break_window_end, meal_break_paid, shift_types) "
            "VALUES ('day', 420, 600, '[480, 240]', 30, 30, 360, 150, 330, false, '[]')"))
    upgrade_schema(engine)
    with Session(engine) as session:
        row = session.exec(select(m.ShiftRule)).one()
        rule = to_shift_rule(row)
        assert (row.name, rule.lengths_minutes, rule.meal_break_window_minutes) == (
            "day", (480, 240), (150, 330))
        defaults = ShiftRule("defaults", 0, 0, (480,))
        assert (rule.coffee_break_minutes, rule.coffee_break_every_minutes,
                rule.coffee_break_window_minutes, rule.switch_weight) == (
            defaults.coffee_break_minutes, defaults.coffee_break_every_minutes,
            defaults.coffee_break_window_minutes, defaults.switch_weight)
        assert session.exec(select(m.PlanningSettings)).all() == []
        assert to_fairness(planning_settings(session)) == Fairness()
    engine.dispose()
    databases.drop(url)
