"""A 60-person meeting where everyone scans at the same instant: each signed in once, none
lost (issue 26; run on PostgreSQL and MariaDB as well as SQLite)."""

from __future__ import annotations

from models import Attendance, db
from tests.support.concurrency import fire_at_once

N = 60


def test_sixty_members_scan_at_once(
    app, client, world, meeting_code, new_meeting, new_team, sign_in_meeting
):
    team = new_team(members=N, employees=0)
    m = new_meeting(team)
    value = meeting_code(team, m["id"])
    headers = [team.h(p) for p in team.members]
    results = fire_at_once(
        N, lambda i: sign_in_meeting(headers[i], m["id"], value, via=app.test_client()).status_code
    )
    assert results == [200] * N
    with app.app_context():
        rows = db.session.execute(
            db.select(Attendance.person_id, Attendance.status, Attendance.signed_at).where(
                Attendance.meeting_id == m["id"]
            )
        ).all()
    present = {pid for pid, status, at in rows if status == "present" and at is not None}
    assert present == {p.id for p in team.members}
    # and again, all at once: nobody is signed in twice, the first time stands
    again = fire_at_once(
        N,
        lambda i: sign_in_meeting(headers[i], m["id"], value, via=app.test_client()).json[
            "already"
        ],
    )
    assert again == [True] * N
