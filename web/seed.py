"""Write a generated demo world and its contact history into the database."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import insert
from sqlmodel import Session, select

from fixtures.world import DemoWorld
from web import models as m
from web.auth import hash_password
from web.planning import utc


def seed_world(session: Session, world: DemoWorld) -> None:
    """Add the world's clients, queues, contracts, shift rules, agents and users (no commit)."""
    clients = {c.key: m.Client(key=c.key, name=c.name, shortfall_weight=c.shortfall_weight)
               for c in world.clients}
    session.add_all(clients.values())
    session.flush()
    queues = {}
    for q in world.queues:
        queues[q.key] = m.Queue(
            key=q.key,
            client_id=clients[q.client].id,
            channel=q.channel,
            language=q.language,
            name=q.name,
            service_level=q.target.service_level,
            answer_seconds=q.target.answer_seconds,
            max_occupancy=q.target.max_occupancy,
            shrinkage=q.target.shrinkage,
            concurrency=q.target.concurrency,
            response_minutes=q.target.response_minutes,
            patience_seconds=q.target.patience_seconds,
            opening_hours=[list(h) if h else None for h in q.hours.weekly],
            closed_on_holidays=q.hours.closed_on_holidays,
        )
    session.add_all(queues.values())
    contracts = {
        name: m.Contract(
            name=name,
            min_minutes_per_week=c.min_minutes_per_week,
            max_minutes_per_week=c.max_minutes_per_week,
            max_minutes_per_day=c.max_minutes_per_day,
            min_daily_rest_minutes=c.min_daily_rest_minutes,
        )
        for name, c in world.contracts.items()
    }
    rules = {
        name: m.ShiftRule(
            name=name,
            earliest_start_minute=r.earliest_start_minute,
            latest_start_minute=r.latest_start_minute,
            lengths_minutes=list(r.lengths_minutes),
            start_step_minutes=r.start_step_minutes,
            meal_break_minutes=r.meal_break_minutes,
            meal_break_over_minutes=r.meal_break_over_minutes,
            meal_break_window_start=r.meal_break_window_minutes[0],
            meal_break_window_end=r.meal_break_window_minutes[1],
            meal_break_paid=r.meal_break_paid,
            coffee_break_minutes=r.coffee_break_minutes,
            coffee_break_every_minutes=r.coffee_break_every_minutes,
            coffee_break_window_start=r.coffee_break_window_minutes[0],
            coffee_break_window_end=r.coffee_break_window_minutes[1],
            switch_weight=r.switch_weight,
        )
        for name, r in world.shift_rules.items()
    }
    session.add_all([*contracts.values(), *rules.values()])
    session.flush()
    agents = {
        a.key: m.Agent(
            key=a.key,
            name=a.name,
            contract_id=contracts[a.contract].id,
            shift_rule_id=rules[a.shift_rule].id,
        )
        for a in world.agents
    }
    session.add_all(agents.values())
    session.flush()
    session.add_all(
        m.AgentSkill(agent_id=agents[a.key].id, queue_id=queues[skill].id)
        for a in world.agents
        for skill in sorted(a.skills)
    )
    session.add_all(
        m.User(
            username=u.username,
            password_hash=hash_password(u.password),
            role=u.role,
            display_name=u.display_name,
            agent_id=agents[u.agent_key].id if u.agent_key else None,
            client_id=clients[u.client_key].id if u.client_key else None,
        )
        for u in world.users
    )
    session.flush()


def store_history(session: Session, history: pd.DataFrame, interval_minutes: int) -> int:
    """Bulk-insert a canonical history frame (queues must exist); returns rows written."""
    queue_ids = {q.key: q.id for q in session.exec(select(m.Queue))}
    unknown = set(history["queue"]) - set(queue_ids)
    if unknown:
        raise ValueError(f"history names unknown queues: {sorted(unknown)}")
    rows = [
        {
            "queue_id": queue_ids[queue],
            "interval_start": utc(start.to_pydatetime()),
            "interval_minutes": interval_minutes,
            "contacts": int(contacts),
            "aht_seconds": None if pd.isna(aht) else float(aht),
        }
        for queue, start, contacts, aht in zip(
            history["queue"],
            history["interval_start"],
            history["contacts"],
            history["aht_seconds"],
            strict=True,
        )
    ]
    for first in range(0, len(rows), 20_000):
        session.execute(insert(m.ContactHistory), rows[first : first + 20_000])
    return len(rows)
