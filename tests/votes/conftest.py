"""Fixtures of the voting tests: campaigns set up through the committee API (tests/votes/factory.py
holds the plain functions, which tests in other folders import)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from tests.votes.factory import Setup, make_campaign, vote


@pytest.fixture
def new_campaign(client, world) -> Callable[..., Setup]:
    """new_campaign(per_category=1, open_it=False, ...): make_campaign on this test's client."""
    return partial(make_campaign, client, world)


@pytest.fixture
def cast_vote(client) -> Callable[..., Any]:
    """cast_vote(setup, headers, candidate_id, **client_kw): the vote's response."""
    return partial(vote, client)
