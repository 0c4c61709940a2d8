"""Fixtures of the meetings tests: meetings made over the API, their codes, time moved
(tests/meetings/factory.py holds the plain functions)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from tests.meetings import factory


@pytest.fixture
def schedule_meeting(client) -> Callable[..., Any]:
    """schedule_meeting(team, starts_in=-10 min, hours=2, **body): the POST's response."""
    return partial(factory.schedule, client)


@pytest.fixture
def new_meeting(client) -> Callable[..., dict[str, Any]]:
    """new_meeting(team, **body): a meeting scheduled (201), its JSON."""
    return partial(factory.made, client)


@pytest.fixture
def meeting_code(client) -> Callable[..., str]:
    """meeting_code(team, meeting_id): the sign-in code the secretary shows."""
    return partial(factory.code, client)


@pytest.fixture
def sign_in_meeting(client) -> Callable[..., Any]:
    """sign_in_meeting(headers, meeting_id, code, via=None): the sign-in's response (`via`: a
    client of its own, for threads signing in at once)."""

    def sign_in(headers, meeting_id: int, value: str, via=None):
        return factory.sign_in(via or client, headers, meeting_id, value)

    return sign_in


@pytest.fixture
def shift_meeting(app) -> Callable[..., None]:
    """shift_meeting(meeting_id, delta): the meeting moved in time."""
    return partial(factory.shift, app)
