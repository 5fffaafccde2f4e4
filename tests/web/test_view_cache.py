"""The per-process view cache: least recently used out, one value per key."""

from __future__ import annotations

from web.view_cache import ViewCache


def test_the_least_recently_used_view_goes_first() -> None:
    """Over its size, the view asked for longest ago is dropped and made again when asked."""
    made: list[str] = []

    def make(key: str):  # noqa: ANN202
        return lambda: made.append(key) or key.upper()

    kept = ViewCache(size=2)
    assert kept.get_or_make("a", make("a")) == "A"
    kept.get_or_make("b", make("b"))
    kept.get_or_make("a", make("a"))  # a is now the most recent
    kept.get_or_make("c", make("c"))  # b goes
    kept.get_or_make("a", make("a"))
    kept.get_or_make("b", make("b"))
    assert made == ["a", "b", "c", "b"]
    assert (kept.hits, kept.misses) == (2, 4)
