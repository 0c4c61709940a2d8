"""Fixtures of the zones tests (tests/zones/factory.py holds the plain functions)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from tests.zones.factory import Site, make_zone


@pytest.fixture
def new_site(world) -> Callable[..., Site]:
    """new_site(mine=None): a 区队 with its secretary, members, workers and a committee member."""
    return partial(Site, world)


@pytest.fixture
def new_zone(client) -> Callable[..., dict]:
    """new_zone(site, **fields): a zone made by the site's secretary over the API (its JSON)."""
    return partial(make_zone, client)
