"""issue 19 item 7: a committee member cannot mark themselves as left, and the last committee
member of a mine cannot be marked left, have the committee grant revoked, or be dropped by a
roster import (409 with a reason); two members removing each other at once leave one."""

from __future__ import annotations

from models import Person, RoleGrant, db
from tests.support.concurrency import fire_at_once


def _committee_count(app, mine_id):
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count())
            .select_from(RoleGrant)
            .join(Person, Person.id == RoleGrant.person_id)
            .where(RoleGrant.role == "committee", Person.mine_id == mine_id)
            .where(Person.left_at.is_(None))
        )


def test_a_committee_member_cannot_mark_themselves_left(client, world):
    c1, _c2 = world.committee(), world.committee()
    r = client.post(f"/api/v1/admin/people/{c1.id}/leave", headers=world.headers(c1))
    assert r.status_code == 409 and r.json["reason"] == "cannot_leave_self", r.json
    assert client.get("/api/v1/me", headers=world.headers(c1)).status_code == 200


def test_the_last_committee_member_cannot_be_marked_left(app, client, world):
    c1, c2 = world.committee(), world.committee()
    # c2's grant taken by the CLI path (the service), so c1 is the last one
    with app.app_context():
        from accounts import grants

        grants.revoke(db.session.get(Person, c2.id), "committee")
        db.session.commit()
    # c2 is still a roster member of the mine but has no committee role
    r = client.post(f"/api/v1/admin/people/{c1.id}/leave", headers=world.headers(c2))
    assert r.status_code == 403  # c2 is no longer committee at all
    c3 = world.committee()
    r = client.post(f"/api/v1/admin/people/{c1.id}/leave", headers=world.headers(c3))
    assert r.status_code == 200, r.json
    c4 = world.committee()
    r = client.post(f"/api/v1/admin/people/{c4.id}/leave", headers=world.headers(c3))
    assert r.status_code == 200
    # c3 is now the last: nobody can take c3's role (there is nobody else to ask, and the
    # service refuses too)
    with app.app_context():
        from accounts import grants
        from accounts.errors import LastCommitteeMember
        from roster import leavers

        person = db.session.get(Person, c3.id)
        for act in (
            lambda: grants.revoke(person, "committee"),
            lambda: leavers.leave(person, actor_id=None),
        ):
            try:
                act()
            except LastCommitteeMember as exc:
                assert exc.status == 409 and exc.reason == "last_committee_member"
            else:
                raise AssertionError("the last committee member was removed")
            db.session.rollback()
    assert _committee_count(app, c3.mine_id) == 1


def test_the_last_committee_grant_cannot_be_revoked_in_the_console_or_cli(app, world):
    c1 = world.committee()
    from click.testing import CliRunner  # noqa: F401 - the CLI calls the same service

    with app.app_context():
        from accounts import grants
        from accounts.errors import LastCommitteeMember

        try:
            grants.revoke(db.session.get(Person, c1.id), "committee")
        except LastCommitteeMember:
            db.session.rollback()
        else:
            raise AssertionError("revoked the last committee grant")
    r = app.test_cli_runner().invoke(args=["grant", c1.employee_no, "committee", "--revoke"])
    assert "最后一位党委成员" in r.output
    assert _committee_count(app, c1.mine_id) == 1


def test_two_committee_members_removing_each_other_at_once_leave_one(app, world):
    c1, c2 = world.committee(), world.committee()
    h1, h2 = world.headers(c1), world.headers(c2)

    def leave(i):
        who, headers = (c2, h1) if i == 0 else (c1, h2)
        r = app.test_client().post(f"/api/v1/admin/people/{who.id}/leave", headers=headers)
        return r.status_code

    codes = sorted(fire_at_once(2, leave))
    assert codes[0] == 200 and codes[1] in (401, 409), codes
    assert _committee_count(app, c1.mine_id) == 1


def test_a_committee_member_cannot_unbind_their_own_account(client, world):
    c1, c2 = world.committee(), world.committee()
    h1, _ = world.headers(c1), world.headers(c2)
    r = client.post(f"/api/v1/admin/people/{c1.id}/unbind", headers=h1)
    assert r.status_code == 409 and r.json["reason"] == "cannot_unbind_self", r.json
    assert client.get("/api/v1/me", headers=h1).json["bound"] is True
    r = client.post(f"/api/v1/admin/people/{c2.id}/unbind", headers=h1)
    assert r.status_code == 200 and r.json == {"unbound": True}
