"""Fixtures of the zones tests (tests/zones/factory.py holds the plain functions)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from tests.zones.factory import Site, make_zone, report
from tests.zones.factory import desk_openid as factory_desk_openid
from tests.zones.factory import zone_body as factory_zone_body


@pytest.fixture
def new_site(world) -> Callable[..., Site]:
    """new_site(mine=None): a 区队 with its secretary, members, workers and a committee member."""
    return partial(Site, world)


@pytest.fixture
def new_zone(client) -> Callable[..., dict]:
    """new_zone(site, **fields): a zone made by the site's secretary over the API (its JSON)."""
    return partial(make_zone, client)


@pytest.fixture
def report_danger(client) -> Callable[..., Any]:
    """report_danger(headers, **body): a danger report's response."""
    return partial(report, client)


@pytest.fixture
def zone_body() -> Callable[..., dict[str, Any]]:
    """zone_body(site, **fields): a valid zone's body."""
    return factory_zone_body


@pytest.fixture
def desk_openid(app) -> Callable[[Any], str]:
    """desk_openid(person): the person's account renamed for the console's demo sign-in; the
    openid to pass to `client_sign_in`."""
    return partial(factory_desk_openid, app)
