"""Fixtures of the roster tests: a mine with its HR roster, the roster read back
(tests/roster/factory.py holds the plain functions; `upload_roster`, which tests/accounts uses
too, is in tests/support/fixtures.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from tests.roster.factory import HR, Groups, roster_via_api


@pytest.fixture
def roster_of(app, client) -> Callable[..., dict[str, dict[str, Any]]]:
    """roster_of(headers, mine_id): the people the API lists, by employee number."""
    return partial(roster_via_api, app, client)


@pytest.fixture
def new_hr(app, client, world) -> Callable[[], HR]:
    """new_hr(): a mine with its committee member on the roster and the HR file to edit."""
    return partial(HR, app, client, world)


@pytest.fixture
def new_groups_hr(app, client, world) -> Callable[[], Groups]:
    """new_groups_hr(): an HR file with the 班组 / 职务 / 单位类别 columns."""
    return partial(Groups, app, client, world)
