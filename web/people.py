"""Coordinator pages on people: agents (skills, contract, days off), logins, time-off requests."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from wtforms import (
    BooleanField,
    DateField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from web import models as m
from web.auth import ROLES, hash_password, role_required
from web.clock import today
from web.db import request_session
from web.time_off import (
    TimeOffAnswerForm,
    TimeOffError,
    add_days_off,
    answer_request,
    check_period,
    published_shift_days,
    requests_of,
    upcoming_days_off,
)

bp = Blueprint("people", __name__, url_prefix="/coordinator")
KEY = r"^[a-z0-9][a-z0-9._-]{0,99}$"
USERNAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{2,59}$"
MIN_PASSWORD_LENGTH = 10


@bp.before_request
@role_required("coordinator")
def _only_coordinators() -> None:
    """Every page here is for coordinators only."""


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, one per choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AgentForm(FlaskForm):
    """An agent's name, terms and certifications."""

    key = StringField("Key", validators=[DataRequired(), Regexp(KEY, message="lower-case "
                                         "letters, digits, . _ - (at most 100)")])
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    contract = SelectField("Contract", coerce=int)
    shift_rule = SelectField("Shift rule", coerce=int)
    skills = MultiCheckboxField("Certified for", coerce=int)
    active = BooleanField("Active (planned in rosters)", default=True)

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        """Field checks, then: an active agent is certified for at least one queue."""
        if not super().validate(extra_validators):
            return False
        if self.active.data and not self.skills.data:
            self.skills.errors.append("an active agent needs at least one queue")
            return False
        return True


class DaysOffForm(FlaskForm):
    """Approved days off a coordinator enters directly (sick leave, holidays agreed)."""

    first_day = DateField("From", validators=[InputRequired()])
    last_day = DateField("Until (inclusive)", validators=[InputRequired()])
    reason = StringField("Reason", validators=[DataRequired(), Length(max=300)])


class UserForm(FlaskForm):
    """A new login."""

    username = StringField("Username", validators=[DataRequired(), Regexp(
        USERNAME, message="3 to 60 letters, digits, . _ -")])
    display_name = StringField("Display name", validators=[Optional(), Length(max=100)])
    role = SelectField("Role", choices=[SelectChoice(r, r) for r in ROLES])
    agent = SelectField("Agent (for agent logins)", coerce=int)
    client = SelectField("Client (for client logins)", coerce=int)
    password = PasswordField("Password", validators=[DataRequired(), Length(
        min=MIN_PASSWORD_LENGTH, max=200, message=f"at least {MIN_PASSWORD_LENGTH} characters")])

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        """Field checks, then: agents and clients are linked to whom they log in as."""
        if not super().validate(extra_validators):
            return False
        if self.role.data == "agent" and not self.agent.data:
            self.agent.errors.append("choose the agent this login belongs to")
        if self.role.data == "client" and not self.client.data:
            self.client.errors.append("choose the client this login belongs to")
        return not (self.agent.errors or self.client.errors)


def _agent(agent_key: str) -> m.Agent:
    """An agent by key, or 404."""
    agent = request_session().exec(select(m.Agent).where(m.Agent.key == agent_key)).first()
    if agent is None:
        abort(404)
    return agent


def _agent_choices(form: AgentForm, session: Session) -> None:
    """Fill the form's contracts, shift rules and queues."""
    form.contract.choices = [SelectChoice(c.id, c.name) for c in session.exec(
        select(m.Contract).order_by(m.Contract.name))]
    form.shift_rule.choices = [SelectChoice(r.id, r.name) for r in session.exec(
        select(m.ShiftRule).order_by(m.ShiftRule.name))]
    form.skills.choices = [SelectChoice(q.id, q.name) for q in session.exec(
        select(m.Queue).order_by(m.Queue.name))]


@bp.route("/agents")
def agents():  # noqa: ANN201
    """Every agent: contract, certifications, whether planned, upcoming days off."""
    session = request_session()
    rows = session.exec(select(m.Agent).order_by(col(m.Agent.active).desc(), m.Agent.name)).all()
    contracts = {c.id: c.name for c in session.exec(select(m.Contract))}
    skills: dict[int, int] = {}
    for link in session.exec(select(m.AgentSkill)):
        skills[link.agent_id] = skills.get(link.agent_id, 0) + 1
    off: dict[int, int] = {}
    for row in session.exec(select(m.TimeOff).where(m.TimeOff.status == "approved",
                                                    m.TimeOff.day >= today())):
        off[row.agent_id] = off.get(row.agent_id, 0) + 1
    return render_template("coordinator/agents.html", agents=rows, contracts=contracts,
                           skills=skills, off=off)


@bp.route("/agents/new", methods=["GET", "POST"])
def new_agent():  # noqa: ANN201
    """Add an agent."""
    session = request_session()
    form = AgentForm()
    _agent_choices(form, session)
    if form.is_submitted() and form.validate():
        if form.key.data == "new" or session.exec(
                select(m.Agent).where(m.Agent.key == form.key.data)).first():
            form.key.errors.append("another agent has this key")
        else:
            agent = m.Agent(key=form.key.data, name=form.name.data.strip(),
                            contract_id=form.contract.data, shift_rule_id=form.shift_rule.data,
                            active=form.active.data)
            session.add(agent)
            session.flush()
            _set_skills(session, agent, form.skills.data)
            session.commit()
            flash(f"Agent {agent.name} added.", "ok")
            return redirect(url_for("people.edit_agent", agent_key=agent.key), 303)
    return render_template("coordinator/agent.html", form=form, agent=None), (
        400 if form.errors else 200)


@bp.route("/agents/<agent_key>", methods=["GET", "POST"])
def edit_agent(agent_key: str):  # noqa: ANN201
    """An agent's name, contract, shift rule, certifications and days off."""
    session = request_session()
    agent = _agent(agent_key)
    form = AgentForm(obj=None if request.method == "POST" else _agent_data(session, agent))
    _agent_choices(form, session)
    form.key.data = agent.key  # keys stay: rosters and logins refer to them
    if form.is_submitted() and form.validate():
        agent.name = form.name.data.strip()
        agent.contract_id, agent.shift_rule_id = form.contract.data, form.shift_rule.data
        was_active, agent.active = agent.active, form.active.data
        session.add(agent)
        _set_skills(session, agent, form.skills.data)
        session.commit()
        flash(f"{agent.name} saved. The next plan or re-plan uses it.", "ok")
        if was_active and not agent.active and published_shift_days(
                session, agent.id, today(), today().replace(year=today().year + 1)):
            flash(f"{agent.name} still has published shifts: re-plan those rosters.", "error")
        return redirect(url_for("people.edit_agent", agent_key=agent.key), 303)
    return render_template(
        "coordinator/agent.html", form=form, agent=agent, days_form=DaysOffForm(),
        days_off=upcoming_days_off(session, agent.id, today()),
        requests=requests_of(session, agent.id)[:10],
    ), (400 if form.errors else 200)


def _agent_data(session: Session, agent: m.Agent) -> object:
    """An object the agent form reads its initial values from."""

    class Data:
        key, name, active = agent.key, agent.name, agent.active
        contract, shift_rule = agent.contract_id, agent.shift_rule_id
        skills = [s.queue_id for s in session.exec(select(m.AgentSkill).where(
            m.AgentSkill.agent_id == agent.id))]

    return Data


def _set_skills(session: Session, agent: m.Agent, queue_ids: list[int]) -> None:
    """Make the agent's certifications exactly these queues."""
    have = {s.queue_id: s for s in session.exec(select(m.AgentSkill).where(
        m.AgentSkill.agent_id == agent.id))}
    for queue_id, link in have.items():
        if queue_id not in queue_ids:
            session.delete(link)
    for queue_id in set(queue_ids) - set(have):
        session.add(m.AgentSkill(agent_id=agent.id, queue_id=queue_id))


@bp.route("/agents/<agent_key>/days-off", methods=["POST"])
def add_agent_days_off(agent_key: str):  # noqa: ANN201
    """Enter approved days off for an agent."""
    session = request_session()
    agent = _agent(agent_key)
    form = DaysOffForm()
    if not form.validate():
        flash("; ".join(f"{form[n].label.text}: {' '.join(e)}" for n, e in form.errors.items()),
              "error")
        return redirect(url_for("people.edit_agent", agent_key=agent.key), 303)
    try:
        check_period(form.first_day.data, form.last_day.data, today())
    except TimeOffError as error:
        flash(str(error), "error")
        return redirect(url_for("people.edit_agent", agent_key=agent.key), 303)
    added = add_days_off(session, agent.id, form.first_day.data, form.last_day.data,
                         reason=f"{form.reason.data.strip()} ({current_user.username})")
    session.commit()
    flash(f"{added} day(s) off added for {agent.name}.", "ok")
    _warn_published(session, agent, form.first_day.data, form.last_day.data)
    return redirect(url_for("people.edit_agent", agent_key=agent.key), 303)


@bp.route("/agents/<agent_key>/days-off/<int:day_off_id>/remove", methods=["POST"])
def remove_agent_day_off(agent_key: str, day_off_id: int):  # noqa: ANN201
    """Take back an approved day off (the agent is plannable that day again)."""
    session = request_session()
    agent = _agent(agent_key)
    row = session.get(m.TimeOff, day_off_id)
    if row is None or row.agent_id != agent.id:
        abort(404)
    session.delete(row)
    session.commit()
    flash(f"Day off {row.day:%d.%m.%Y} removed.", "ok")
    return redirect(url_for("people.edit_agent", agent_key=agent.key), 303)


def _warn_published(session: Session, agent: m.Agent, first, last) -> None:  # noqa: ANN001
    """Tell the coordinator when a published roster gives the agent shifts on new days off."""
    clash = published_shift_days(session, agent.id, first, last)
    if clash:
        days = ", ".join(f"{d:%a %d.%m.}" for d in clash)
        flash(f"{agent.name} has published shifts on {days}: re-plan that roster.", "error")


@bp.route("/time-off")
def time_off_inbox():  # noqa: ANN201
    """Every agent's time-off requests, open ones first, with clashes with published shifts."""
    session = request_session()
    rows = sorted(requests_of(session), key=lambda r: r.status != "requested")
    agents = {a.id: a for a in session.exec(select(m.Agent))}
    clashes = {r.id: published_shift_days(session, r.agent_id, r.first_day, r.last_day)
               for r in rows if r.status == "requested"}
    return render_template("coordinator/time_off.html", requests=rows, agents=agents,
                           clashes=clashes, form=TimeOffAnswerForm())


@bp.route("/time-off/<int:time_off_id>/answer", methods=["POST"])
def answer_time_off(time_off_id: int):  # noqa: ANN201
    """Approve or decline a time-off request."""
    session = request_session()
    form = TimeOffAnswerForm()
    if not form.validate():
        flash("; ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("people.time_off_inbox"), 303)
    try:
        row = answer_request(session, time_off_id, decision=form.decision.data,
                             answer=form.answer.data or "", username=current_user.username)
    except LookupError:
        abort(404)
    except TimeOffError as error:
        flash(str(error), "error")
        return redirect(url_for("people.time_off_inbox"), 303)
    session.commit()
    agent = session.get(m.Agent, row.agent_id)
    flash(f"Time off of {agent.name} {row.status}.", "ok")
    if row.status == "approved":
        _warn_published(session, agent, row.first_day, row.last_day)
    return redirect(url_for("people.time_off_inbox"), 303)


@bp.route("/users", methods=["GET", "POST"])
def users():  # noqa: ANN201
    """Every login; a form to add one."""
    session = request_session()
    form = UserForm()
    linked = {u.agent_id for u in session.exec(select(m.User)) if u.agent_id}
    form.agent.choices = [SelectChoice(0, "—")] + [
        SelectChoice(a.id, f"{a.name} ({a.key})")
        for a in session.exec(select(m.Agent).order_by(m.Agent.name)) if a.id not in linked]
    form.client.choices = [SelectChoice(0, "—")] + [
        SelectChoice(c.id, c.name) for c in session.exec(select(m.Client).order_by(m.Client.name))]
    if form.is_submitted() and form.validate():
        user = m.User(
            username=form.username.data, password_hash=hash_password(form.password.data),
            role=form.role.data, display_name=(form.display_name.data or "").strip(),
            agent_id=form.agent.data if form.role.data == "agent" else None,
            client_id=form.client.data if form.role.data == "client" else None,
        )
        session.add(user)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            form.username.errors.append("this username is taken")
        else:
            flash(f"Login {user.username} ({user.role}) created.", "ok")
            return redirect(url_for("people.users"), 303)
    rows = session.exec(select(m.User).order_by(m.User.role, m.User.username)).all()
    agents = {a.id: a for a in session.exec(select(m.Agent))}
    clients = {c.id: c for c in session.exec(select(m.Client))}
    return render_template("coordinator/users.html", form=form, users=rows, agents=agents,
                           clients=clients), (400 if form.errors else 200)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def set_user_active(user_id: int):  # noqa: ANN201
    """Deactivate a login (signed out at once, API tokens stop working) or reactivate it."""
    session = request_session()
    user = session.get(m.User, user_id)
    if user is None:
        abort(404)
    active = request.form.get("active") == "1"
    if user.id == current_user.id and not active:
        flash("You cannot deactivate your own login.", "error")
        return redirect(url_for("people.users"), 303)
    user.active = active
    session.add(user)
    session.commit()
    flash(f"Login {user.username} {'reactivated' if active else 'deactivated'}.", "ok")
    return redirect(url_for("people.users"), 303)

