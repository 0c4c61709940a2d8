"""责任区 editing in the console: the committee (or the branch's secretary) defines a zone from the
register page and edits it; a new responsible member is a hand-over kept in the history; the
API's rules refuse bad input in place with their Chinese messages; a secretary edits only the
zones of their branch."""

from __future__ import annotations

from models import Person, Unit, Zone, ZoneHolder, db
from tests.console.sign_in import client_sign_in


def _members(app, unit_name: str) -> list[tuple[int, str]]:
    with app.app_context():
        unit = db.session.scalar(db.select(Unit).where(Unit.name == unit_name))
        people = db.session.scalars(
            db.select(Person)
            .where(Person.branch_id == unit.branch_id, Person.left_at.is_(None))
            .order_by(Person.employee_no)
        )
        return [(p.id, p.name) for p in people if p.is_party_member]


def test_create_and_hand_over_a_zone_in_the_browser(app, demo, console, demo_zones):
    demo_zones()
    members = _members(app, "综采一队")
    console.demo_sign_in("committee")
    console.go("/console/zones")
    page = console.page
    page.click("[data-new-zone]")
    page.wait_for_selector("#zone-form")
    page.select_option("select[name=unit_id]", label="综采一队")
    page.fill("input[name=name]", "3105 工作面机头")
    page.fill("input[name=place]", "3105 综采工作面机头")
    page.select_option("select[name=member_id]", value=str(members[0][0]))
    page.fill("textarea[name=checklist]", "顶板支护\n瓦斯浓度")
    page.fill("input[name=patrols_per_week]", "30")  # the API's range is 0 … 21
    page.click("[data-save-zone]")
    error = page.locator("#zone-form .form-error")
    error.wait_for()
    assert "0 到 21" in error.inner_text()  # the form checks the API's range first
    page.fill("input[name=patrols_per_week]", "3")
    with page.expect_navigation():
        page.click("[data-save-zone]")
    assert "已设立责任区「3105 工作面机头」" in console.flash()
    row = page.locator("#zone-table tr", has_text="3105 工作面机头")
    assert members[0][1] in row.inner_text()
    with app.app_context():
        zone = db.session.scalar(db.select(Zone).where(Zone.name == "3105 工作面机头"))
        zone_id = zone.id
        assert (zone.checklist, zone.patrols_per_week) == (["顶板支护", "瓦斯浓度"], 3)

    # The hand-over: a new responsible member, kept in the history.
    page.click(f"[data-edit-zone='{zone_id}']")
    page.wait_for_selector("#holder-history")
    assert page.locator("#holder-history tbody tr").count() == 1
    page.select_option("select[name=member_id]", value=str(members[1][0]))
    page.fill("input[name=place]", "3105 综采工作面机头至转载机")
    with page.expect_navigation():
        page.click("[data-save-zone]")
    assert "负责人已更换并记入历史" in console.flash()
    rows = page.locator("#holder-history tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("td").nth(2).inner_text() != "至今"
    assert rows.nth(1).inner_text().startswith(members[1][1])
    console.shot("zones-edit")
    # A name left empty is refused in place; nothing changes.
    page.fill("input[name=name]", "")
    page.eval_on_selector("input[name=name]", "el => el.removeAttribute('required')")
    page.click("[data-save-zone]")
    page.locator("#zone-form .form-error").wait_for()
    with app.app_context():
        zone = db.session.get(Zone, zone_id)
        assert zone.name == "3105 工作面机头" and zone.member_id == members[1][0]
        assert zone.place == "3105 综采工作面机头至转载机"
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(ZoneHolder)
                .where(ZoneHolder.zone_id == zone_id)
            )
            == 2
        )
    console.no_problems()


def test_a_secretary_edits_only_their_branchs_zones(app, demo, demo_zones):
    zone_id = demo_zones()
    with app.app_context():
        zone = db.session.get(Zone, zone_id)
        own = zone.unit.name == "综采一队"
        other_unit = db.session.scalar(db.select(Unit.id).where(Unit.name == "机电队"))
    client = app.test_client()
    token = client_sign_in(client, "secretary")  # 综采一队's secretary
    assert client.get("/console/zones/new").status_code == 200
    r = client.get(f"/console/zones/{zone_id}/edit")
    assert r.status_code == (200 if own else 404)
    members = _members(app, "机电队")
    body = {
        "csrf_token": token,
        "unit_id": other_unit,
        "name": "机电硐室",
        "place": "中央变电所",
        "member_id": members[0][0],
    }
    r = client.post("/console/zones", data=body)
    assert r.status_code in (403, 422)  # another branch's 区队 / member
    with app.app_context():
        assert db.session.scalar(db.select(Zone.id).where(Zone.name == "机电硐室")) is None
