"""Every other form of the app, found by reading the pages a role sees, fuzzed the same way.

The pages are fetched once; each `<form method="post">` on them (but logout) becomes a
target whose fields are generated from what the page says about them: the options of a
select, the min and max of a number, the type of an input, the value already filled in (an
edit form's current data). New forms are picked up without a line of code here. Their
acceptances change tables this module cannot know, so they are judged on the rest: no 5xx,
no leaked exception text, and a refusal (4xx or an error message) changes no row.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

from hypothesis import strategies as st
from sqlmodel import Session, col, select

from web import models as m

from .csv_inputs import junk_text
from .outcomes import Outcome
from .web_targets import FORGED_NOW_AND_THEN, FORM_TARGETS, MISSING, Answer, FormTarget, Site, judge

SKIPPED_ACTIONS = ("/logout",)  # would end the session the other inputs need


@dataclass
class FormField:
    """One input, select or textarea of a form."""

    name: str
    kind: str  # the input type, "select" or "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Form:
    """A post form found on a page."""

    role: str
    page: str
    action: str
    fields: list[FormField] = field(default_factory=list)


class _FormParser(HTMLParser):
    """Collects the post forms of a page with their fields."""

    def __init__(self, role: str, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.role, self.page = role, page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: html.unescape(v or "") for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = Form(self.role, self.page, a.get("action") or self.page)
        elif self._form is None or "name" not in a:
            return
        elif tag == "input" and a.get("type", "text") not in ("submit", "button", "file"):
            self._form.fields.append(FormField(a["name"], a.get("type", "text"),
                                               a.get("value", ""), attrs=a))
        elif tag == "select":
            self._select = FormField(a["name"], "select", attrs=a)
            self._form.fields.append(self._select)
        elif tag == "textarea":
            self._form.fields.append(FormField(a["name"], "textarea", attrs=a))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            if not self._form.action.endswith(SKIPPED_ACTIONS):
                self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


class _OptionAwareParser(_FormParser):
    """Adds each <option value> to the select it belongs to."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "option" and self._select is not None:
            a = {k: html.unescape(v or "") for k, v in attrs}
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.value = a.get("value", "")
            return
        super().handle_starttag(tag, attrs)


def pages_of(site: Site) -> dict[str, list[str]]:
    """The pages with forms each role sees, with real ids and keys filled in."""
    draft_id = site.facts["drafts"][0][0]
    with Session(site.engine) as session:
        agents = {a.id: a.key for a in session.exec(select(m.Agent).order_by(m.Agent.id))}
        contract = session.exec(select(m.Contract).order_by(m.Contract.id)).first()
        rule = session.exec(select(m.ShiftRule).order_by(m.ShiftRule.id)).first()
        shift = session.exec(select(m.Shift).where(m.Shift.roster_id == draft_id)
                             .order_by(col(m.Shift.id))).first()
    coordinator = ["/coordinator/agents/new", f"/coordinator/agents/{next(iter(agents.values()))}",
                   "/coordinator/time-off", "/coordinator/users", "/coordinator/erlang",
                   f"/coordinator/contracts/{contract.id}",
                   f"/coordinator/contracts/shift-rules/{rule.id}",
                   "/coordinator/contracts/fairness",
                   f"/coordinator/roster?roster={draft_id}"]
    if shift is not None:
        coordinator.append(f"/coordinator/rosters/{draft_id}/edit/{agents[shift.agent_id]}/"
                           f"{shift.day.isoformat()}")
    return {"coordinator": coordinator,
            "agent": ["/my/time-off", "/my/calendar", "/account/api-tokens"],
            "client": [f"/clients/{site.facts['client_key']}/requests"]}


def _locks_us_out(form: Form, user_ids: set[int]) -> bool:
    """A form that would deactivate one of the logins the fuzzer itself uses."""
    return any(form.action.endswith(f"/users/{uid}/active") for uid in user_ids)


def discover(site: Site) -> list[Form]:
    """Every post form on the roles' pages (pages that are not there are skipped)."""
    with Session(site.engine) as session:
        ours = {u.id for u in session.exec(select(m.User).where(
            col(m.User.username).in_(list(site.users.values()))))}
    forms = []
    for role, pages in pages_of(site).items():
        for page in pages:
            response = site.clients[role].get(page)
            if response.status_code != 200:
                continue
            parser = _OptionAwareParser(role, page)
            parser.feed(response.get_data(as_text=True))
            forms.extend(f for f in parser.forms if not _locks_us_out(f, ours))
    site.changes()
    return forms


def _value(spec: FormField, today: date) -> st.SearchStrategy:
    """Plausible values of one field, from what its page says about it."""
    if spec.kind == "select":
        return st.sampled_from(spec.options or [""])
    if spec.kind == "checkbox":
        return st.sampled_from([spec.value or "y", MISSING])
    if spec.kind == "number":
        low = int(float(spec.attrs.get("min", "0") or 0))
        high = int(float(spec.attrs.get("max", "1000") or 1000))
        around = st.integers(low - 2, high + 2).map(str)
        return st.one_of(st.just(spec.value), around) if spec.value else around
    if spec.kind == "date":
        return st.dates(today - timedelta(days=30), today + timedelta(days=400)).map(
            date.isoformat)
    if spec.kind == "time":
        return st.times().map(lambda t: t.strftime("%H:%M"))
    if spec.kind == "hidden":
        return st.just(spec.value)
    limit = int(spec.attrs.get("maxlength", "200") or 200)
    kept = [spec.value] if spec.value else []
    return st.one_of(st.sampled_from(kept), st.text(min_size=1, max_size=limit + 5)) if kept \
        else st.text(min_size=1, max_size=limit + 5)


def form_inputs(site: Site) -> st.SearchStrategy:
    """One discovered form and generated values for its fields."""
    forms = site.facts.setdefault("discovered", discover(site))
    kinds: dict[str, list[Form]] = {}  # forms alike but for an id (one per user) weigh as one
    for form in forms:
        kinds.setdefault(re.sub(r"\d+", "N", form.action), []).append(form)

    junk_or_missing = st.one_of(junk_text, st.just(MISSING))

    @st.composite
    def post(draw) -> tuple[Form, dict[str, Any], bool]:  # noqa: ANN001
        form = draw(st.sampled_from(draw(st.sampled_from(list(kinds.values())))))
        fields = [f for f in form.fields if f.name != "csrf_token"]
        # as web_targets.form_data: all plausible, one field broken, or each field anything
        shape = draw(st.sampled_from(["plausible", "one_broken", "one_broken", "chaos"]))
        broken = draw(st.sampled_from(fields)).name if fields else None
        values = {}
        for spec in fields:
            if shape == "chaos":
                value = draw(st.one_of(_value(spec, site.today), junk_or_missing))
            elif shape == "one_broken" and spec.name == broken:
                value = draw(junk_or_missing)
            else:
                value = draw(_value(spec, site.today))
            values.setdefault(spec.name, value)
        return form, {k: v for k, v in values.items() if v is not MISSING}, \
            draw(FORGED_NOW_AND_THEN)

    return post()


def _refused(answer: Answer) -> bool:
    """A 4xx, or an error message with no success message (a save may flash a warning)."""
    saved = any(kind == "ok" for kind, _ in answer.flashed)
    return answer.status >= 400 or (bool(answer.errors) and not saved)


def check_form(site: Site, example: tuple[Form, dict[str, Any], bool]) -> Outcome:
    """Post it: no 5xx, no leaked exception text, and a refusal changes no row."""
    form, data, forged = example
    browser = site.clients[form.role]
    token = "forged" if forged else site.csrf[form.role]
    return judge(site, browser, lambda: browser.post(form.action, data=data | {
        "csrf_token": token}), lambda a: not _refused(a), set(site.state))


# the forms with targets of their own, then every other form found on the pages
ALL_FORM_TARGETS = (*FORM_TARGETS, FormTarget("other_forms_found", form_inputs, check_form, 0.10))
