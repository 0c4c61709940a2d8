"""Evidence photos on deductions: a scorer attaches their own uploads when scoring; the photos
show on the team's sheet to whoever sees that line (the committee, the scoring office, the
team) with a signed link; someone else's or an already used photo is refused; a change with
`photo_ids` replaces them, a change without keeps them; media/ knows what the photo is for."""

from __future__ import annotations

from media import owners
from models import Upload, db


def _photos(s, who, team, title="隐患治理"):
    r = s.get(f"/assessments/months/{s.month_id}/teams/{team}", who)
    s.ok(r)
    [line] = [i for i in r.json["items"] if i["title"] == title]
    return line["deduction"]


def test_evidence_photos_show_on_the_sheet_to_those_who_see_the_line(
    assessment_scene, upload_photo
):
    s = assessment_scene()
    t0 = s.teams[0]
    a, b = upload_photo(s.h(s.s1)), upload_photo(s.h(s.s1))
    r = s.score("隐患治理", t0, 3, photo_ids=[a, b])
    s.ok(r)
    for who in (s.c1, s.s2, s.leaders[0], s.worker):
        d = _photos(s, who, t0)
        assert [p["id"] for p in d["photos"]] == [a, b]
        assert all(p["url"].startswith("/api/v1/uploads/") for p in d["photos"])
    # The party office does not see safety's lines; another team's leader not the sheet.
    r = s.get(f"/assessments/months/{s.month_id}/teams/{t0}", s.p1)
    assert all(i["title"] != "隐患治理" for i in r.json["items"])
    r = s.get(f"/assessments/months/{s.month_id}/teams/{t0}", s.leaders[1])
    assert r.status_code == 404
    # The signed link loads without a token.
    url = _photos(s, s.leaders[0], t0)["photos"][0]["url"]
    r = s.client.get(url)
    assert r.status_code == 200 and r.mimetype.startswith("image/")
    with s.app.app_context():
        up = db.session.get(Upload, a)
        assert up.purpose == "assessment"
        use = owners.use_of(up)
    assert use.what.endswith("考核「隐患治理」扣分的证据照片")


def test_a_change_replaces_or_keeps_the_photos(assessment_scene, upload_photo):
    s = assessment_scene()
    t0 = s.teams[0]
    a, b = upload_photo(s.h(s.s1)), upload_photo(s.h(s.s1))
    r = s.score("隐患治理", t0, 3, photo_ids=[a])
    s.ok(r)
    r = s.score("隐患治理", t0, 4, version=r.json["version"])  # no photo_ids: kept
    s.ok(r)
    assert [p["id"] for p in _photos(s, s.c1, t0)["photos"]] == [a]
    r = s.score("隐患治理", t0, 4, version=r.json["version"], photo_ids=[b])
    s.ok(r)
    assert [p["id"] for p in _photos(s, s.c1, t0)["photos"]] == [b]
    r = s.score("隐患治理", t0, 4, version=r.json["version"], photo_ids=[])
    s.ok(r)
    assert _photos(s, s.c1, t0)["photos"] == []


def test_photos_that_are_not_usable_are_refused(assessment_scene, upload_photo):
    s = assessment_scene()
    t0, t1 = s.teams[0], s.teams[1]
    theirs = upload_photo(s.h(s.s2))
    r = s.score("隐患治理", t0, 3, photo_ids=[theirs])  # s1 names s2's photo
    assert (r.status_code, r.json["reason"]) == (422, "photo_not_usable")
    assert _photos(s, s.c1, t0) is None  # nothing was recorded
    mine = upload_photo(s.h(s.s1))
    s.ok(s.score("隐患治理", t0, 3, photo_ids=[mine]))
    r = s.score("隐患治理", t1, 3, photo_ids=[mine])  # already on another deduction
    assert (r.status_code, r.json["reason"]) == (422, "photo_not_usable")
    r = s.score("三违管控", t0, 2, photo_ids=[10**9])
    assert (r.status_code, r.json["reason"]) == (422, "photo_not_usable")
    four = [upload_photo(s.h(s.s1)) for _ in range(4)]
    r = s.score("三违管控", t0, 2, photo_ids=four)
    assert r.status_code == 422
