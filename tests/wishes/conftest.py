"""Fixtures of the wishes tests: a branch with its people, and wishes posted through the API
(tests/wishes/factory.py holds the plain functions, which tests in other folders import)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from tests.wishes.factory import Scene, open_wish, post_wish, scene


@pytest.fixture
def new_scene(world) -> Callable[..., Scene]:
    """new_scene(members=3): a branch with a wisher, its secretary, members and a committee."""
    return partial(scene, world)


@pytest.fixture
def new_wish(client) -> Callable[..., int]:
    """new_wish(scene, **body): an open (reviewed) wish's id."""
    return partial(open_wish, client)


@pytest.fixture
def pending_wish(client) -> Callable[..., int]:
    """pending_wish(scene, person=None, **body): a posted wish waiting for review, its id."""
    return partial(post_wish, client)
