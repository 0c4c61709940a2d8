"""Fixtures of the assessment tests (tests/assessments/factory.py holds the plain helpers); the
scene itself is `assessment_scene`, in tests/support/fixtures.py (tests/honours uses it too)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from tests.assessments import factory


@pytest.fixture
def locked_month() -> Callable[..., int]:
    """locked_month(scene, month, [(item title, team index, points)]): scored, submitted and
    locked; the month's id."""
    return factory.locked_month


@pytest.fixture
def group_with_leader() -> Callable[..., int]:
    """group_with_leader(scene, team_index, name): a 班组 with its 班组长, its id."""
    return factory.group_with_leader


@pytest.fixture
def score_at_once(app) -> Callable[..., None]:
    """score_at_once(month_id, item_id, unit_id, [headers, headers]): two scorers at once."""
    return partial(factory.score_at_once, app)


@pytest.fixture
def new_groups() -> Callable[..., factory.Groups]:
    """new_groups(scene, month="2026-11"): 班组 with leaders, a group template and its month."""
    return factory.Groups
