"""Turnout for the committee: bound employees, voters today and overall, per branch, unit and
day, in the API and in the campaign export."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from models import Ballot, db
from votes import live


@pytest.fixture(autouse=True)
def _generous_limits(app):
    saved = app.config["VOTE_ACCOUNT_PER_MINUTE"]
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = 10000
    live.reset_circuit()
    yield
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = saved


def test_turnout_today_overall_and_per_branch(app, client, world, new_campaign, cast_vote):
    setup = new_campaign(per_category=1, categories=("safety",))
    (cid,) = setup.candidates["safety"]
    other = world.branch()
    here = [world.person(setup.branch) for _ in range(3)]
    there = [world.person(other) for _ in range(2)]
    heads = {p.id: world.headers(p) for p in here + there}  # binds them
    assert cast_vote(setup, heads[here[0].id], cid).status_code == 201
    assert cast_vote(setup, heads[here[1].id], cid).status_code == 201
    assert cast_vote(setup, heads[there[0].id], cid).status_code == 201
    with app.app_context():  # one of them voted yesterday, not today
        ballot = db.session.scalar(db.select(Ballot).where(Ballot.voter_id == here[1].id))
        ballot.vote_day -= timedelta(days=1)
        db.session.commit()

    r = client.get(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/turnout", headers=setup.committee_headers
    )
    assert r.status_code == 200, r.json
    t = r.json
    # Bound: the committee member and the five (the candidate has no account).
    assert t["eligible"] == 6 and t["voters"] == 3 and t["voters_today"] == 2
    assert t["rate"] == 0.5
    branches = {b["branch"]: b for b in t["by_branch"]}
    assert (branches[setup.branch.name]["eligible"], branches[setup.branch.name]["voters"]) == (
        3,
        2,
    )
    assert branches[setup.branch.name]["voters_today"] == 1
    assert (branches[other.name]["eligible"], branches[other.name]["voters"]) == (2, 1)
    assert {u["unit"] for u in t["by_unit"]} >= {f"{setup.branch.name}-区队", f"{other.name}-区队"}
    assert [d["voters"] for d in t["by_day"]] == [1, 2]

    voter = client.get(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/turnout", headers=heads[here[0].id]
    )
    assert voter.status_code == 403

    export = client.get(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/export.xlsx",
        headers=setup.committee_headers,
    )
    wb = load_workbook(io.BytesIO(export.data))
    rows = list(wb["参与情况"].values)
    assert rows[1][:6] == ("可投票职工（已绑定）", 6, "累计投票人数", 3, "参与率", "50.0%")
