"""Fixtures of the voting tests: campaigns set up through the committee API (tests/votes/factory.py
holds the plain functions, which tests in other folders import)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from tests.votes.factory import Setup, make_campaign, vote
from votes import live


@pytest.fixture
def new_campaign(client, world) -> Callable[..., Setup]:
    """new_campaign(per_category=1, open_it=False, ...): make_campaign on this test's client."""
    return partial(make_campaign, client, world)


@pytest.fixture
def cast_vote(client) -> Callable[..., Any]:
    """cast_vote(setup, headers, candidate_id, **client_kw): the vote's response."""
    return partial(vote, client)


@pytest.fixture
def fresh_vote_path(app):
    """A closed circuit, no pending invalidations and no per-account vote limit in the way (the
    fault tests vote fast from few accounts); restored after the test."""
    live.reset_circuit()
    live.scripts._pending_invalidations.clear()
    saved = app.config["VOTE_ACCOUNT_PER_MINUTE"]
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = 10000
    yield
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = saved
    live.reset_circuit()
    live.scripts._pending_invalidations.clear()
