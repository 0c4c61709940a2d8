"""Fixtures of the roster tests: files uploaded to the import and the roster read back
(tests/roster/factory.py holds the HR files and plain functions)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from tests.roster.factory import roster_via_api, upload


@pytest.fixture
def upload_roster(client) -> Callable[..., Any]:
    """upload_roster(headers, data, name="花名册.xlsx", dry_run=..., ...): the import's response."""
    return partial(upload, client)


@pytest.fixture
def roster_of(app, client) -> Callable[..., dict[str, dict[str, Any]]]:
    """roster_of(headers, mine_id): the people the API lists, by employee number."""
    return partial(roster_via_api, app, client)
