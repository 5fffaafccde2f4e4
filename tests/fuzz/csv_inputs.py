"""Generated contact-history CSVs: valid files, and valid files broken in the ways exports break.

A file starts as a well-formed history export for known queues, then gets zero or more
mutations: cells replaced by junk (text, negative, huge, fractional, NaN, empty, unicode,
control characters), times that do not exist or repeat, headers renamed, dropped, doubled or
reordered, rows duplicated or cut short, quotes left open, delimiters changed, a BOM, CRLF
line ends, NUL bytes, bytes that are not UTF-8, or the whole file empty.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

HELSINKI = ZoneInfo("Europe/Helsinki")
COLUMNS = ("interval_start", "client", "channel", "language", "contacts", "aht_seconds")
DEFAULT_QUEUES = (("telco", "voice", "fi"), ("webshop", "chat", "fi"), ("webshop", "email", "fi"))

# A refusal must say where: a line (and column), or what is wrong with the file as a whole.
CLEAR_ERROR = re.compile(
    r"line \d+|history file is empty|not valid CSV|no data rows|no such queue configured"
    r"|-minute intervals|not UTF-8|header|column 'interval_start'"
)

junk_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "NaN", "nan", "inf", "-inf", "1e309", "-1", "-0", "0.5", "1,5",
                     "12abc", "９", "١٢", "None", "null", "TRUE", "0x10", "1_000", "+3",
                     "2026-02-30T09:00:00", "2026-03-29T03:30:00", "2026-10-25T03:30:00",
                     "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00", "24:00", "\x00",
                     "\u202e", "a\"b", "'", "=cmd|' /C calc'!A0", "x" * 300,
                     "2026-11-19T09:00:00+25:00", "2026-11-19 09:00", "19.11.2026 09:00"]),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@st.composite
def history_rows(draw, queues=DEFAULT_QUEUES) -> list[list[str]]:  # noqa: ANN001
    """A small, valid history: consecutive 30-minute intervals (local or UTC offsets)."""
    start = draw(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)))
    start = start.replace(minute=(start.minute // 30) * 30, second=0, microsecond=0)
    step = timedelta(minutes=draw(st.sampled_from([5, 6, 10, 15, 20, 30, 30, 30, 45, 60])))
    count = draw(st.integers(min_value=1, max_value=12))
    with_offset = draw(st.booleans())
    chosen = draw(st.lists(st.sampled_from(queues), min_size=1, max_size=len(queues),
                           unique=True))
    rows = []
    for client, channel, language in chosen:
        # through UTC and back: a start the spring change skips (03:30 on its Sunday) becomes
        # the real instant an hour later, as an exporter would write it
        instant = start.replace(tzinfo=HELSINKI).astimezone(ZoneInfo("UTC")).astimezone(HELSINKI)
        for _ in range(count):
            local = instant.astimezone(HELSINKI)
            stamp = local.isoformat() if with_offset else local.replace(tzinfo=None).isoformat()
            contacts = draw(st.integers(min_value=0, max_value=500))
            aht = draw(st.one_of(st.just(""), st.integers(1, 2000).map(str)))
            rows.append([stamp, client, channel, language, str(contacts), aht])
            instant = (instant.astimezone(ZoneInfo("UTC")) + step).astimezone(HELSINKI)
    return rows


def _render(header: list[str], rows: list[list[str]], delimiter: str = ",",
            newline: str = "\n") -> str:
    """Rows as CSV text, quoting cells that need it."""
    def cell(value: str) -> str:
        if any(c in value for c in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value
    lines = [delimiter.join(cell(c) for c in line) for line in [header, *rows]]
    return newline.join(lines) + newline


@st.composite
def mutated_history_csv(draw, queues=DEFAULT_QUEUES) -> bytes:  # noqa: ANN001
    """A history CSV, valid or broken by a few random mutations, as the bytes uploaded."""
    header = list(COLUMNS)
    rows = draw(history_rows(queues))
    delimiter, newline = ",", "\n"
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        kind = draw(st.sampled_from([
            "cell", "cell", "cell", "header", "drop_column", "swap_columns", "duplicate_row",
            "short_row", "long_row", "delimiter", "crlf", "blank_lines",
            "empty", "header_only", "case_header", "extra_column",
        ]))
        if kind == "cell" and rows:
            r = draw(st.integers(0, len(rows) - 1))
            if rows[r]:
                rows[r][draw(st.integers(0, len(rows[r]) - 1))] = draw(junk_text)
        elif kind == "header" and header:
            header[draw(st.integers(0, len(header) - 1))] = draw(junk_text)
        elif kind == "drop_column" and len(header) > 1:
            c = draw(st.integers(0, len(header) - 1))
            header.pop(c)
            rows = [row[:c] + row[c + 1:] for row in rows]
        elif kind == "swap_columns" and len(header) > 1:
            a, b = draw(st.integers(0, len(header) - 1)), draw(st.integers(0, len(header) - 1))
            header[a], header[b] = header[b], header[a]
        elif kind == "duplicate_row" and rows:
            rows.append(list(rows[draw(st.integers(0, len(rows) - 1))]))
        elif kind == "short_row" and rows:
            r = draw(st.integers(0, len(rows) - 1))
            rows[r] = rows[r][: draw(st.integers(0, max(0, len(rows[r]) - 1)))]
        elif kind == "long_row" and rows:
            rows[draw(st.integers(0, len(rows) - 1))].append(draw(junk_text))
        elif kind == "delimiter":
            delimiter = draw(st.sampled_from([";", "\t", "|"]))
        elif kind == "crlf":
            newline = "\r\n"
        elif kind == "blank_lines" and rows:
            rows.insert(draw(st.integers(0, len(rows))), [])
        elif kind == "empty":
            header, rows = [], []
        elif kind == "header_only":
            rows = []
        elif kind == "case_header":
            header = [f"  {h.upper()} " for h in header]
        elif kind == "extra_column":
            header.append("notes")
            rows = [[*row, draw(junk_text)] for row in rows]
    text = _render(header, rows, delimiter, newline) if header or rows else ""
    data = text.encode("utf-8", errors="surrogatepass")
    for _ in range(draw(st.integers(min_value=0, max_value=1))):
        kind = draw(st.sampled_from(["bom", "nul", "quote", "latin1", "truncate", "garbage"]))
        if kind == "bom":
            data = b"\xef\xbb\xbf" + data
        elif kind == "nul" and data:
            at = draw(st.integers(0, len(data) - 1))
            data = data[:at] + b"\x00" + data[at:]
        elif kind == "quote" and data:  # an unbalanced quote swallows the rest of the file
            at = draw(st.integers(0, len(data) - 1))
            data = data[:at] + b'"' + data[at:]
        elif kind == "latin1":
            data = data.replace(b"fi", "fi\xe4".encode("latin-1"), 1)
        elif kind == "truncate" and data:
            data = data[: draw(st.integers(0, len(data) - 1))]
        elif kind == "garbage":
            data = draw(st.binary(max_size=200))
    return data
