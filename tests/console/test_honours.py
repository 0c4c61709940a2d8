"""Nominations, turnout and the honour roll in the console: the committee reviews a branch's
nomination (accepted into the candidates), sees turnout as charts on a live campaign, browses
the roll (2024 from the records, 2025 from the published campaign), revokes an honour with a
reason and opens a person's honours; screenshots for the README (docs/console/)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from models import Campaign, Honour, Nomination, db


def _seed(app) -> dict:
    from demo.honours import NOMINATING, seed_honours

    with app.app_context():
        seed_honours()
        db.session.commit()
        nominating = db.session.scalar(db.select(Campaign).where(Campaign.title == NOMINATING))
        live = db.session.scalar(db.select(Campaign).where(Campaign.status == "open"))
        pending = db.session.scalar(
            db.select(Nomination.id)
            .where(Nomination.campaign_id == nominating.id, Nomination.status == "pending")
            .order_by(Nomination.id)
        )
        standing = db.session.scalar(
            db.select(Honour)
            .where(Honour.revoked_at.is_(None), Honour.year == 2025)
            .order_by(Honour.id)
        )
        return {
            "nominating": nominating.id,
            "live": live.id,
            "pending": pending,
            "honour": standing.id,
            "person": standing.person_id,
        }


def test_committee_reviews_nominations_sees_turnout_and_keeps_the_roll(app, demo, console):
    ids = _seed(app)
    console.demo_sign_in("committee")

    console.go(f"/console/campaigns/{ids['nominating']}")
    page = console.page
    assert page.locator("#nomination-table tr[data-nomination]").count() == 5
    assert page.locator("#nomination-counts tr[data-branch-count]").count() == 3
    assert page.locator("[data-nomination-window='open']").count() == 1
    console.shot("nominations")
    drawer = console.drawer(f"tr[data-nomination='{ids['pending']}'] a")
    assert "班组职工一致推荐" in drawer.inner_text()
    drawer.locator("input[name='accept'][value='1']").check()
    console.shot("nomination-drawer", full=False)
    with page.expect_navigation():
        drawer.locator("button[type='submit']").click()
    assert "已采纳，列入候选人" in console.flash()
    with app.app_context():
        n = db.session.get(Nomination, ids["pending"])
        assert n.status == "accepted" and n.candidate_id is not None

    console.go(f"/console/campaigns/{ids['live']}")
    assert page.locator("#turnout [data-chart]").count() == 2
    assert int(page.locator("[data-turnout-voters]").inner_text()) > 0
    page.locator("#turnout").scroll_into_view_if_needed()
    console.shot("turnout")

    page.click("a.menu-item:has-text('荣誉榜')")
    page.wait_for_selector("#honour-table")
    rows = page.locator("#honour-table tr[data-honour]")
    assert rows.count() >= 12
    assert page.locator("[data-honour-state='revoked']").count() == 1
    console.shot("honours")
    page.select_option("select[name='year']", "2024")
    with page.expect_navigation():
        page.click("button:has-text('搜索')")
    assert page.locator("#honour-table tr[data-honour]").count() == 12

    console.go("/console/honours")
    drawer = console.drawer(f"tr[data-honour='{ids['honour']}'] a[data-drawer-title]")
    drawer.locator("textarea[name='reason']").fill("经查实存在弄虚作假行为，撤销该荣誉")
    console.shot("honour-revoke", full=False)
    with page.expect_navigation():
        drawer.locator("button[type='submit']").click()
    assert "已撤销" in console.flash()
    with app.app_context():
        assert db.session.get(Honour, ids["honour"]).revoke_reason.startswith("经查实")

    r = page.request.get(console.base + "/console/honours/export.xlsx")
    assert r.status == 200
    ws = load_workbook(io.BytesIO(r.body())).active
    assert ws.title == "荣誉榜" and [c.value for c in ws[1]][:4] == ["年度", "季度", "荣誉", "类别"]
    assert [c.value for c in ws["J"]].count("已撤销") == 2

    other = _other_person(app, ids)
    console.go(f"/console/people/{other}/honours")
    assert page.locator("#person-honours tr[data-honour]").count() >= 1
    console.shot("person-honours")
    console.no_problems()


def _other_person(app, ids) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(Honour.person_id)
            .where(Honour.revoked_at.is_(None), Honour.person_id.is_not(None))
            .order_by(Honour.id.desc())
        )
