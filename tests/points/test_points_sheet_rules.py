"""issue 9: the assessment sheet (工号, 积分) follows the rule of single points adjustments —
nobody sets their own points, and nothing counts before another committee member approves it —
and refuses values that are not finite or lie beyond the single-adjustment limit, row by row."""

from __future__ import annotations

import io

from models import Campaign, Candidate, db


def _sheet(client, setup, headers, rows: list[tuple[str, str]]):
    text = "工号,积分\n" + "".join(f"{no},{pts}\n" for no, pts in rows)
    url = f"/api/v1/admin/campaigns/{setup.campaign_id}/points-sheet"
    return client.post(url, data={"file": (io.BytesIO(text.encode()), "s.csv")}, headers=headers)


def _decide(client, setup, sheet_id: int, headers, approve: bool = True):
    return client.post(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/points-sheets/{sheet_id}/decide",
        json={"approve": approve, "reason": "核对无误" if approve else "数据有误"},
        headers=headers,
    )


def _assessed(app, setup) -> tuple[str, dict[int, float | None]]:
    with app.app_context():
        campaign = db.session.get(Campaign, setup.campaign_id)
        rows = db.session.scalars(
            db.select(Candidate).where(Candidate.campaign_id == setup.campaign_id)
        ).all()
        return campaign.points_source, {c.id: c.assessed_points for c in rows}


def test_non_finite_and_absurd_values_are_row_errors(app, client, world, new_campaign):
    setup = new_campaign(categories=("reform",), per_category=1)
    (cid,) = setup.candidates["reform"]
    no = setup.candidate_people[cid].employee_no
    limit = app.config["POINTS_MANUAL_MAX"]
    for value in ("nan", "NaN", "inf", "-inf", "Infinity", "1e309", str(limit + 1), "-1e6"):
        r = _sheet(client, setup, setup.committee_headers, [(no, value)])
        assert r.status_code == 422, (value, r.json)
        assert r.json["reason"] == "points_sheet_invalid"
        assert r.json["errors"]["rows"][0]["row"] == 2
        assert "points" in r.json["errors"]["rows"][0]["errors"], value
    r = _sheet(client, setup, setup.committee_headers, [(no, str(limit))])
    assert r.status_code == 201, r.json
    assert _assessed(app, setup)[1] == {cid: None}  # nothing counts before approval


def test_nobody_sets_their_own_points_and_another_member_approves(app, client, world, new_campaign):
    setup = new_campaign(categories=("reform",), per_category=1)
    (other,) = setup.candidates["reform"]
    # A committee member who is also a candidate.
    candidate_committee = world.committee()
    r = client.post(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/candidates",
        json={"employee_no": candidate_committee.employee_no, "category": "reform", "story": "x"},
        headers=setup.committee_headers,
    )
    assert r.status_code == 201, r.json
    own = r.json["id"]
    h_cand = world.headers(candidate_committee)
    rows = [
        (setup.candidate_people[other].employee_no, "80"),
        (candidate_committee.employee_no, "99"),
    ]

    # The candidate imports a sheet with their own row: refused, row by row.
    r = _sheet(client, setup, h_cand, rows)
    assert r.status_code == 422 and r.json["reason"] == "points_sheet_invalid", r.json
    assert [row["row"] for row in r.json["errors"]["rows"]] == [3]

    # Someone else imports it: a pending sheet; nothing counts yet.
    r = _sheet(client, setup, setup.committee_headers, rows)
    assert r.status_code == 201, r.json
    assert r.json["status"] == "pending" and r.json["candidates"] == 2
    sheet_id = r.json["id"]
    assert _assessed(app, setup) == ("ledger", {other: None, own: None})

    # Its author may not approve it; a member whose own points are in it may not either.
    r = _decide(client, setup, sheet_id, setup.committee_headers)
    assert r.status_code == 403 and r.json["reason"] == "own_request", r.json
    r = _decide(client, setup, sheet_id, h_cand)
    assert r.status_code == 403 and r.json["reason"] == "own_points", r.json

    third = world.headers(world.committee())
    r = _decide(client, setup, sheet_id, third)
    assert r.status_code == 200 and r.json["status"] == "approved", r.json
    assert _assessed(app, setup) == ("sheet", {other: 80.0, own: 99.0})
    r = _decide(client, setup, sheet_id, third, approve=False)
    assert r.status_code == 409 and r.json["reason"] == "request_decided", r.json


def test_a_rejected_sheet_changes_nothing(app, client, world, new_campaign):
    setup = new_campaign(categories=("reform",), per_category=1)
    (cid,) = setup.candidates["reform"]
    r = _sheet(
        client, setup, setup.committee_headers, [(setup.candidate_people[cid].employee_no, "50")]
    )
    assert r.status_code == 201, r.json
    r = _decide(client, setup, r.json["id"], world.headers(world.committee()), approve=False)
    assert r.status_code == 200 and r.json["status"] == "rejected", r.json
    assert _assessed(app, setup) == ("ledger", {cid: None})


def test_issue9_12_points_sheet_csv_with_a_bare_cr_or_binary_is_422(client, world, new_campaign):
    """issue 9 #12: a points sheet CSV with a bare carriage return, or a binary file, raised an
    uncaught csv.Error."""
    setup = new_campaign(per_category=1, open_it=False)
    url = f"/api/v1/admin/campaigns/{setup.campaign_id}/points-sheet"
    for name, content in (
        ("points.csv", '工号,积分\r"1001\r",5\n'.encode()),
        ("points.csv", b"\x00\x01\x02PK\x03\x04" + bytes(range(256)) * 8),
        ("points.xlsx", b"not a workbook"),
    ):
        r = client.post(
            url,
            data={"file": (io.BytesIO(content), name)},
            headers=setup.committee_headers,
            content_type="multipart/form-data",
        )
        assert r.status_code == 422 and r.json["reason"] == "points_sheet_invalid", r.json
