"""A strict RFC 5545 check of an iCalendar stream: what calendar apps rely on, line by line.

`icalendar` (which writes the feed) reads leniently, so the tests check the bytes against the
RFC themselves and also parse them with `ical`, a validating parser (pydantic models of each
component). Covered: CRLF line ends and 75-octet folding that never splits a UTF-8 character;
the content-line grammar (names, parameters, quoting, no control characters); BEGIN/END
nesting; property multiplicity and required properties of VCALENDAR and VEVENT; DATE-TIME
forms (UTC `Z`, or a TZID with its VTIMEZONE); TEXT escaping of `\\`, `;`, `,` and newlines.
"""

from __future__ import annotations

import re
from datetime import datetime

from ical.calendar_stream import IcsCalendarStream
from ical.exceptions import CalendarParseError

NAME = re.compile(r"[A-Za-z0-9-]+")
_PARAM_VALUE = r'(?:"[^"\x00-\x08\x0a-\x1f\x7f]*"|[^";:,\x00-\x08\x0a-\x1f\x7f]*)'
PARAM = re.compile(rf";([A-Za-z0-9-]+)=({_PARAM_VALUE}(?:,{_PARAM_VALUE})*)")
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
UTC_DATE_TIME = re.compile(r"\d{8}T\d{6}Z")
DATE_TIME = re.compile(r"\d{8}T\d{6}Z?")
DATE = re.compile(r"\d{8}")
TEXT_TOKEN = re.compile(r"\\[\\;,nN]|\\|[;,]|[^\\;,]+")  # escape, stray \, bare ; or ,, text
TEXT_PROPERTIES = {"SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT", "CONTACT", "UID"}
ONCE_IN_CALENDAR = {"PRODID", "VERSION", "CALSCALE", "METHOD"}
ONCE_IN_EVENT = {"DTSTAMP", "UID", "DTSTART", "CLASS", "CREATED", "DESCRIPTION", "GEO",
                 "LAST-MODIFIED", "LOCATION", "ORGANIZER", "PRIORITY", "SEQUENCE", "STATUS",
                 "SUMMARY", "TRANSP", "URL", "RECURRENCE-ID", "DTEND", "DURATION"}


class Component:
    """A parsed component: its name, properties (name, params, value) and children."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.properties: list[tuple[str, dict[str, str], str]] = []
        self.children: list[Component] = []

    def values(self, name: str) -> list[tuple[dict[str, str], str]]:
        """Every (params, value) of a property."""
        return [(p, v) for n, p, v in self.properties if n == name]


def rfc5545_problems(raw: bytes) -> list[str]:
    """Every way `raw` breaks RFC 5545 that these checks know of (empty: it conforms)."""
    problems: list[str] = []
    if not raw.endswith(b"\r\n"):
        problems.append("the stream does not end with CRLF")
    physical = raw.split(b"\r\n")[:-1] if raw.endswith(b"\r\n") else raw.split(b"\r\n")
    lines: list[str] = []
    for number, line in enumerate(physical, 1):
        if b"\n" in line or b"\r" in line:
            problems.append(f"line {number}: a bare CR or LF (lines end with CRLF)")
        if len(line) > 75:
            problems.append(f"line {number}: {len(line)} octets, more than 75 (fold it)")
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"line {number}: not UTF-8 on its own (a fold splits a character)")
            continue
        if text[:1] in (" ", "\t"):
            if not lines:
                problems.append(f"line {number}: a continuation with nothing to continue")
            else:
                lines[-1] += text[1:]
        else:
            lines.append(text)
    root = _parse(lines, problems)
    if root is not None:
        _check_calendar(root, problems)
    try:
        IcsCalendarStream.calendar_from_ics(raw.decode("utf-8", "replace"))
    except (CalendarParseError, ValueError) as error:
        problems.append(f"the validating parser refuses it: {error}")
    return problems


def _parse(lines: list[str], problems: list[str]) -> Component | None:
    """Content lines into nested components, checking the grammar of each line."""
    stack: list[Component] = []
    root = None
    for number, line in enumerate(lines, 1):
        match = NAME.match(line)
        if match is None:
            problems.append(f"content line {number}: no property name: {line[:40]!r}")
            continue
        name, rest, params = match.group(0).upper(), line[match.end():], {}
        while rest.startswith(";"):
            param = PARAM.match(rest)
            if param is None:
                problems.append(f"content line {number}: a malformed parameter: {rest[:40]!r}")
                break
            params[param.group(1).upper()] = param.group(2).strip('"')
            rest = rest[param.end():]
        if not rest.startswith(":"):
            problems.append(f"content line {number}: no ':' after the name and parameters")
            continue
        value = rest[1:]
        if CONTROL.search(value):
            problems.append(f"content line {number}: a control character in the value")
        if name == "BEGIN":
            component = Component(value.upper())
            if stack:
                stack[-1].children.append(component)
            elif root is None:
                root = component
            else:
                problems.append(f"content line {number}: a second top-level component")
            stack.append(component)
        elif name == "END":
            if not stack or stack[-1].name != value.upper():
                problems.append(f"content line {number}: END:{value} does not close "
                                f"{stack[-1].name if stack else 'anything'}")
            else:
                stack.pop()
        elif not stack:
            problems.append(f"content line {number}: a property outside any component")
        else:
            stack[-1].properties.append((name, params, value))
    if stack:
        problems.append(f"{stack[-1].name} is never closed")
    if root is None:
        problems.append("no component at all")
    return root


def _check_calendar(calendar: Component, problems: list[str]) -> None:
    """VCALENDAR's required properties and components, then each VEVENT."""
    if calendar.name != "VCALENDAR":
        problems.append(f"the stream is a {calendar.name}, not a VCALENDAR")
    _once(calendar, ONCE_IN_CALENDAR, problems)
    for required in ("PRODID", "VERSION"):
        if not calendar.values(required):
            problems.append(f"VCALENDAR without {required}")
    if [v for _, v in calendar.values("VERSION")] not in ([], ["2.0"]):
        problems.append("VERSION must be 2.0")
    if [v for _, v in calendar.values("CALSCALE")] not in ([], ["GREGORIAN"]):
        problems.append("CALSCALE other than GREGORIAN")
    if not calendar.children:
        problems.append("VCALENDAR without any component")
    zones = {v for c in calendar.children if c.name == "VTIMEZONE" for _, v in c.values("TZID")}
    uids = []
    for event in (c for c in calendar.children if c.name == "VEVENT"):
        _check_event(event, zones, problems)
        uids += [v for _, v in event.values("UID")]
    if len(uids) != len(set(uids)):
        problems.append("two events share a UID")


def _check_event(event: Component, zones: set[str], problems: list[str]) -> None:
    """A VEVENT's required and single properties, date-times and text escaping."""
    uid = next((v for _, v in event.values("UID")), "?")
    _once(event, ONCE_IN_EVENT, problems, f"VEVENT {uid}")
    for required in ("UID", "DTSTAMP", "DTSTART"):
        if not event.values(required):
            problems.append(f"VEVENT {uid} without {required}")
    if event.values("DTEND") and event.values("DURATION"):
        problems.append(f"VEVENT {uid} has both DTEND and DURATION")
    for _, value in event.values("DTSTAMP"):
        if not UTC_DATE_TIME.fullmatch(value):
            problems.append(f"VEVENT {uid}: DTSTAMP {value!r} is not a UTC date-time")
    moments = {}
    for name in ("DTSTART", "DTEND"):
        for params, value in event.values(name):
            kind = params.get("VALUE", "DATE-TIME")
            form = DATE if kind == "DATE" else DATE_TIME
            if not form.fullmatch(value):
                problems.append(f"VEVENT {uid}: {name} {value!r} is not a {kind}")
                continue
            if "TZID" in params and (value.endswith("Z") or params["TZID"] not in zones):
                problems.append(f"VEVENT {uid}: {name} names TZID {params['TZID']} wrongly")
            if kind != "DATE" and not value.endswith("Z") and "TZID" not in params:
                problems.append(f"VEVENT {uid}: {name} {value} is floating (no Z, no TZID)")
            moments[name] = (kind, value)
    if "DTSTART" in moments and "DTEND" in moments:
        (kind_a, a), (kind_b, b) = moments["DTSTART"], moments["DTEND"]
        if kind_a != kind_b:
            problems.append(f"VEVENT {uid}: DTSTART and DTEND of different value types")
        elif _instant(b) <= _instant(a):
            problems.append(f"VEVENT {uid}: DTEND is not after DTSTART")
    for name, _, value in event.properties:
        if name in TEXT_PROPERTIES and not _escaped_text(value):
            problems.append(f"VEVENT {uid}: {name} escapes \\ ; , or newlines wrongly")
    for _, value in event.values("TRANSP"):
        if value not in ("OPAQUE", "TRANSPARENT"):
            problems.append(f"VEVENT {uid}: TRANSP {value!r}")


def _escaped_text(value: str) -> bool:
    """Whether a TEXT value escapes backslashes, semicolons, commas and newlines (3.3.11)."""
    return all(len(t) == 2 or t not in ("\\", ";", ",") for t in TEXT_TOKEN.findall(value))


def _once(component: Component, names: set[str], problems: list[str], where: str = "") -> None:
    """Properties that may appear at most once."""
    for name in names:
        if len(component.values(name)) > 1:
            problems.append(f"{where or component.name}: {name} appears more than once")


def _instant(value: str) -> datetime:
    """A DATE or DATE-TIME value for ordering (both in one form)."""
    if len(value) == 8:
        return datetime.strptime(value, "%Y%m%d")
    return datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
