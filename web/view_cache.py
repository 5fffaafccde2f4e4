"""Derived views of stored rosters, computed once per server process and kept.

A roster's shifts never change once saved (an edit saves a new draft), and a requirement's
rows never change once stored, so what a page derives from them — coverage per queue and
interval, projected service levels, email backlogs, the charts — is the same for every
request until the roster's own row changes (publishing bumps `lock_version`) or the settings
it was derived with change (a queue's service target, opening hours). The key says exactly
that: the roster's identity (id, creation instant, lock version) and a fingerprint of every
row the view reads settings from. Anything else on a page (who may see it, requests and their
status, the weeks to choose from) is read per request, as before.

Each Flask app keeps its own cache (`app.extensions`), so two apps on two databases in one
process never share an entry; a key that no longer matches is simply never asked for again
and falls out of the least-recently-used end.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from flask import current_app
from sqlmodel import SQLModel

from web import models as m

T = TypeVar("T")
KEPT = 256  # views per process: a week's client pages and coverage for a few rosters


class ViewCache:
    """A thread-safe least-recently-used map from a view's key to the view."""

    def __init__(self, size: int = KEPT) -> None:
        self.size = size
        self._views: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        """The view kept under `key`, made (outside the lock) and kept if there is none."""
        with self._lock:
            if key in self._views:
                self._views.move_to_end(key)
                self.hits += 1
                return self._views[key]  # type: ignore[return-value]
            self.misses += 1
        view = make()  # two threads may both make it: the same value, kept once
        with self._lock:
            self._views[key] = view
            self._views.move_to_end(key)
            while len(self._views) > self.size:
                self._views.popitem(last=False)
        return view

    def clear(self) -> None:
        """Forget every view."""
        with self._lock:
            self._views.clear()


def view_cache() -> ViewCache:
    """The current app's cache."""
    return current_app.extensions.setdefault("vuoro_view_cache", ViewCache())


def roster_identity(roster: m.Roster) -> tuple:
    """What tells one stored roster (and its state) from every other, ever."""
    return (roster.id, roster.created_at, roster.lock_version, roster.requirement_id)


def fingerprint(rows: Iterable[SQLModel]) -> str:
    """Every column of the rows, as one string: changes whenever a setting changes."""
    return "|".join(repr(sorted(row.model_dump().items())) for row in rows)


def detached(row: SQLModel) -> SQLModel:
    """A copy of a table row that belongs to no session, safe to keep between requests."""
    return type(row).model_validate(row.model_dump())
