"""Fixtures of the honour roll tests: the assessments' scene (committee, 区队 with leaders)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from tests.assessments.factory import Scene


@pytest.fixture
def new_scene(world, client) -> Callable[..., Scene]:
    """new_scene(open_month=False): the assessments' committee, offices and 区队."""
    return partial(Scene, world, client)
