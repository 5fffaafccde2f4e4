"""The strict iCalendar check catches what a lenient parser lets through."""

from __future__ import annotations

import pytest

from tests.ical_rfc5545 import rfc5545_problems

GOOD = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:a@b\r\n"
        b"DTSTAMP:20261118T100000Z\r\nDTSTART:20261123T070000Z\r\nDTEND:20261123T150000Z\r\n"
        b"SUMMARY:Shift\\, telco\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_a_conforming_calendar_passes() -> None:
    assert rfc5545_problems(GOOD) == []


@pytest.mark.parametrize(("broken", "problem"), [
    (GOOD.replace(b"DTSTAMP:20261118T100000Z\r\n", b""), "without DTSTAMP"),
    (GOOD.replace(b"UID:a@b\r\n", b""), "without UID"),
    (GOOD.replace(b"Shift\\, telco", b"Shift, telco"), "escapes"),
    (GOOD.replace(b"\r\n", b"\n"), "CRLF"),
    (GOOD.replace(b"Shift\\, telco", b"x" * 80), "more than 75"),
    (GOOD.replace(b"DTEND:20261123T150000Z", b"DTEND:20261123T060000Z"), "not after"),
    (GOOD.replace(b"DTEND:20261123T150000Z", b"DTEND:20261123T150000"), "floating"),
    (GOOD.replace(b"END:VEVENT\r\n", b""), "never closed"),
    (GOOD.replace(b"VERSION:2.0", b"VERSION:1.0"), "VERSION must be 2.0"),
    (GOOD.replace(b"SUMMARY:Shift\\, telco", b"SUMMARY:" + b"a" * 66 + "ä".encode()[:1]
                  + b"\r\n " + "ä".encode()[1:]), "splits a character"),
    (GOOD.replace(b"SUMMARY:", b"SUMMARY;X-A:"), "malformed parameter"),
    (GOOD.replace(b"SUMMARY:", b"SUMMARY;X-A=b\"c:"), "no ':'"),
    (GOOD.replace(b"UID:a@b\r\n", b"UID:a@b\r\nUID:c@d\r\n"), "more than once"),
])
def test_each_break_of_the_rfc_is_reported(broken: bytes, problem: str) -> None:
    assert any(problem in p for p in rfc5545_problems(broken)), rfc5545_problems(broken)
