"""Fixtures of the wishes tests: a branch with its people (new_wish, pending_wish and the other
wish factories every folder may use are in tests/support/fixtures.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from tests.wishes.factory import Scene, scene


@pytest.fixture
def new_scene(world) -> Callable[..., Scene]:
    """new_scene(members=3): a branch with a wisher, its secretary, members and a committee."""
    return partial(scene, world)
