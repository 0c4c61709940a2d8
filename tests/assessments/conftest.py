"""Fixtures of the assessment tests (tests/assessments/factory.py holds the plain helpers)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from tests.assessments.factory import Scene


@pytest.fixture
def new_scene(world, client) -> Callable[..., Scene]:
    """new_scene(open_month=True, month="2026-11"): committee, offices, teams, template, month."""
    return partial(Scene, world, client)
