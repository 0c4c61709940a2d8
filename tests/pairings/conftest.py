"""Fixtures of the pairings tests: a branch's team and pairings made through the API
(tests/pairings/factory.py holds the plain functions, which tests in other folders import)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from tests.pairings.factory import Team, pair


@pytest.fixture
def new_team(world) -> Callable[..., Team]:
    """new_team(members=2, cadres=0, employees=6): a branch with its secretary and people."""
    return partial(Team, world)


@pytest.fixture
def new_pairing(client) -> Callable[..., int]:
    """new_pairing(team, member, employee, since=LONG_AGO): the pairing's id."""
    return partial(pair, client)
