"""Factories every folder may ask for, as fixtures (registered by the root conftest's
`pytest_plugins`): a wishes test that needs a campaign asks for `new_campaign`.

Each fixture binds the plain function of a folder's `factory.py` to this test's app, client or
world; a test module never imports a factory itself (tests/platform/test_test_layout.py). A
fixture that only one folder uses lives in that folder's conftest instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest

from tests.assessments import factory as assessments
from tests.meetings import factory as meetings
from tests.notifications import factory as notifications
from tests.pairings import factory as pairings
from tests.roster import factory as roster
from tests.votes import factory as votes
from tests.wishes import factory as wishes
from tests.zones import factory as zones


def on_client(fn: Callable[..., Any], client, *bound: Any) -> Callable[..., Any]:
    """fn bound to this test's client (and `bound`); `via=` names another client for one call
    (a second app on the same database, a thread's own client)."""

    def call(*args: Any, via=None, **kw: Any) -> Any:
        return fn(via or client, *bound, *args, **kw)

    return call


# votes


@pytest.fixture
def new_campaign(client, world) -> Callable[..., votes.Setup]:
    """new_campaign(per_category=2, categories=("safety", "reform"), open_it=True, ...): a
    campaign made through the committee API, its Setup."""
    return on_client(votes.make_campaign, client, world)


@pytest.fixture
def cast_vote(client) -> Callable[..., Any]:
    """cast_vote(setup, headers, candidate_id, **client_kw): the vote's response."""
    return on_client(votes.vote, client)


@pytest.fixture
def end_notice(app) -> Callable[[int], None]:
    """end_notice(campaign_id): the campaign's 公示 period has run out."""
    return partial(votes.end_notice, app)


@pytest.fixture
def close_and_publish(app, client) -> Callable[..., Any]:
    """close_and_publish(setup, days=1): closed, 公示 run out, ties decided, published."""
    return partial(votes.close_and_publish, app, client)


@pytest.fixture
def ballot_count(app) -> Callable[..., int]:
    """ballot_count(campaign_id, **column_values): the campaign's ballots matching them."""
    return partial(votes.ballot_count, app)


@pytest.fixture
def start_redis(tmp_path) -> Iterator[Callable[[], votes.RedisServer]]:
    """start_redis(): a private redis-server of this test (under tmp_path), stopped after it."""
    started: list[votes.RedisServer] = []

    def start() -> votes.RedisServer:
        directory = tmp_path / f"redis{len(started)}"
        directory.mkdir()
        server = votes.RedisServer(str(directory)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


# wishes


@pytest.fixture
def wish_scene(world) -> Callable[..., wishes.Scene]:
    """wish_scene(members=3): a branch with a wisher, its secretary, members and a committee."""
    return partial(wishes.scene, world)


@pytest.fixture
def new_wish(client) -> Callable[..., int]:
    """new_wish(scene, **body): an open (reviewed) wish's id."""
    return on_client(wishes.open_wish, client)


@pytest.fixture
def pending_wish(client) -> Callable[..., int]:
    """pending_wish(scene, person=None, **body): a posted wish waiting for review, its id."""
    return on_client(wishes.post_wish, client)


@pytest.fixture
def force_wish_status(app) -> Callable[..., None]:
    """force_wish_status(wish_id, status, **columns): the wish put straight into a status."""
    return partial(wishes.force_status, app)


@pytest.fixture
def upload_wish_photo(client) -> Callable[..., Any]:
    """upload_wish_photo(scene, person, data=None, name="a.png"): the upload's response."""
    return on_client(wishes.upload, client)


# pairings


@pytest.fixture
def new_team(world) -> Callable[..., pairings.Team]:
    """new_team(members=2, cadres=0, employees=6): a branch with its secretary and people."""
    return partial(pairings.Team, world)


@pytest.fixture
def new_pairing(client) -> Callable[..., int]:
    """new_pairing(team, member, employee, since=LONG_AGO): the pairing's id."""
    return on_client(pairings.pair, client)


@pytest.fixture
def log_talk(client) -> Callable[..., dict[str, Any]]:
    """log_talk(headers, employee, talked_at=None, **body): a talk recorded (201), its JSON."""
    return on_client(pairings.log, client)


@pytest.fixture
def talk_body() -> Callable[..., dict[str, Any]]:
    """talk_body(employee, talked_at=None, **fields): a valid talk record's body."""
    return pairings.talk_body


@pytest.fixture
def set_cols(app) -> Callable[..., None]:
    """set_cols(model, row_id, **columns): a row's columns written straight to the database."""
    return partial(pairings.set_cols, app)


@pytest.fixture
def age_talk(app) -> Callable[[int, float], None]:
    """age_talk(talk_id, days): the talk record was written `days` ago."""
    return partial(pairings.age_talk, app)


# roster


@pytest.fixture
def upload_roster(client) -> Callable[..., Any]:
    """upload_roster(headers, data, name="花名册.xlsx", dry_run=..., via=None, ...): the import's
    response."""
    return on_client(roster.upload, client)


# assessments


@pytest.fixture
def assessment_scene(world, client) -> Callable[..., assessments.Scene]:
    """assessment_scene(open_month=True, month="2026-11"): committee, offices, teams, template,
    month."""
    return partial(assessments.Scene, world, client)


@pytest.fixture
def group_and_leader() -> Callable[..., tuple[int, Any]]:
    """group_and_leader(scene, team_index=0, name="综采一班"): a 班组 with its 班组长."""
    return assessments.group_and_leader


# notifications


@pytest.fixture
def give_consent(app) -> Callable[..., None]:
    """give_consent(fake, person_id, template_id, n=1, app=None): the person allowed the
    template n times (through `app` when the test runs another app on the same database)."""

    def give(fake: Any, person_id: int, template_id: str, n: int = 1, app=app) -> None:
        notifications.give_consent(app, fake, person_id, template_id, n)

    return give


# zones


@pytest.fixture
def upload_photo(client) -> Callable[[dict[str, str]], int]:
    """upload_photo(headers): a small PNG uploaded (201), its id."""
    return on_client(zones.upload, client)


# the text-field property test's scenarios, by domain


@pytest.fixture
def assessment_text_fields(world, client) -> Callable[[], dict]:
    return partial(assessments.text_field_scenarios, world, client)


@pytest.fixture
def meeting_text_fields(world, client) -> Callable[[], dict]:
    return partial(meetings.text_field_scenarios, world, client)


@pytest.fixture
def pairing_text_fields(world, client) -> Callable[..., dict]:
    """pairing_text_fields(team)."""
    return partial(pairings.text_field_scenarios, world, client)
