"""Property tests (hypothesis) on the web forms and the history upload, through the real app.

Generated input never gets a 5xx, a refusal never changes a row of any table, an acceptance
changes only the tables its form is for, and a refused upload says where the file is wrong.
The suite runs a few examples per form; `python -m tests.fuzz` runs thousands.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzz.discovered_forms import ALL_FORM_TARGETS
from tests.fuzz.web_targets import FormTarget, Site
from tests.web.conftest import TODAY
from web import coordinator

EXAMPLES_PER_FORM = 20


@pytest.mark.parametrize("target", ALL_FORM_TARGETS, ids=lambda t: t.name)
def test_generated_form_input_breaks_no_promise(target: FormTarget, app, planned, monkeypatch) -> None:  # noqa: ANN001, E501
    """No 5xx, no partial write, no unclear refusal, for generated posts of one form."""
    monkeypatch.setattr(coordinator, "start_job", lambda *_args, **_kwargs: None)
    passwords = {u.username: u.password for u in planned.world.users}
    site = Site(app, TODAY, passwords).prepare()
    kinds: list[str] = []

    @settings(max_examples=EXAMPLES_PER_FORM, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(target.inputs(site))
    def post(example) -> None:  # noqa: ANN001
        outcome = target.check(site, example)
        kinds.append(outcome.kind)
        assert not outcome.failed, f"{outcome.kind}: {outcome.detail}"

    try:
        post()
    finally:
        site.watch.close()
    assert len(kinds) >= EXAMPLES_PER_FORM
    assert "refused" in kinds, "the generator must reach the form's refusals"
