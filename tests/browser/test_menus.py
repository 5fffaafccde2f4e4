"""Every page in each role's menu loads in the browser without errors; agents' pages fit a phone."""

from __future__ import annotations

import pytest

from tests.web.conftest import PlannedWorld

from .conftest import PHONE, LiveApp, log_in

pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]'")


def _menu_paths(page) -> list[str]:  # noqa: ANN001
    """The links of the top menu, as paths."""
    return page.locator("header nav a").evaluate_all("links => links.map(a => a.pathname)")


@pytest.mark.parametrize("role", ["coordinator", "agent", "client"])
def test_every_menu_page_loads_without_browser_errors(
    pages, live_app: LiveApp, planned: PlannedWorld, role: str  # noqa: ANN001
) -> None:
    """Each menu page answers 200 with a heading; no console error, failed request or overflow."""
    user = next(u for u in planned.world.users if u.role == role)
    page = pages(live_app, viewport=PHONE if role == "agent" else None)
    log_in(page, user.username, user.password)
    paths = _menu_paths(page)
    assert paths, "no menu"
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        assert page.locator("h1").count() >= 1, f"{path}: no heading"
        if role == "agent":
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways on a phone by {overflow} px"
