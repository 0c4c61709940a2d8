"""The secretary's desk (issue 23 #4): log a talk and change or correct one, 必访必谈 events and
duties, 传帮带 pairs, 代发心愿, the whole mine's talk export and the talk rule — in the browser,
with our own validation messages (never the browser's required-field popups), and screenshots
under test-artifacts/."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import CareEvent, Mentorship, Talk, Wish, db, utcnow
from tests.console.sign_in import client_sign_in

ZONGCAI = "综采一队党支部"


@pytest.fixture
def demo(demo, app):
    """The demo mine with its 必访必谈 duties and 传帮带 pairs (`flask demo` seeds them too;
    the other console tests' demo stays as it was)."""
    from demo.pairings import seed_pairing_duties

    with app.app_context():
        seed_pairing_duties()
        db.session.commit()
    return demo


def submit(console, form: str) -> None:
    with console.page.expect_navigation():
        console.page.click(f"form[data-form='{form}'] button[type='submit']")


def test_secretary_logs_a_talk_that_closes_an_overdue_visit(app, demo, console):
    branch = demo["branches"][ZONGCAI]
    console.demo_sign_in("secretary")
    console.go(f"/console/branches/{branch}/")
    assert console.page.locator("#overdue-duties tr[data-duty]").count() == 1
    console.shot("desk-home-overdue")
    console.go(f"/console/branches/{branch}/talks")
    drawer = console.drawer("a:has-text('登记谈心')")
    # Sent empty: our message under the form, no browser popup (the form is novalidate).
    drawer.locator("button[type='submit']").click()
    error = drawer.locator(".form-error")
    error.wait_for()
    console.page.wait_for_function(
        "() => document.querySelector('#drawer .form-error').textContent.length > 0"
    )
    assert "请选择" in error.inner_text()
    assert console.page.evaluate("document.querySelector('#drawer form').noValidate")
    # D0003 visited D0006 (in hospital): logged by the secretary, it closes the overdue visit.
    pairing = drawer.locator("select[name='pairing'] option", has_text="D0006")
    drawer.locator("select[name='pairing']").select_option(pairing.get_attribute("value"))
    drawer.locator("select[name='mode']").select_option("home_visit")
    drawer.locator("input[name='place']").fill("市人民医院")
    drawer.locator("textarea[name='topics']").fill("到医院看望，了解术后恢复情况")
    console.shot("desk-talk-form", full=False)
    with console.page.expect_navigation():
        drawer.locator("button[type='submit']").click()
    assert "办结必访必谈 1 项" in console.flash()
    with app.app_context():
        talk = db.session.scalar(db.select(Talk).order_by(Talk.id.desc()))
        assert (
            talk.author_id == demo["people"]["D0002"] and talk.member_id == demo["people"]["D0003"]
        )
        talk_id = talk.id
    # The secretary (its author) changes it within the lock window.
    drawer = console.drawer(f"tr[data-talk='{talk_id}'] a:has-text('查看')")
    drawer.locator("textarea[name='topics']").fill("到医院看望，术后恢复良好")
    with console.page.expect_navigation():
        drawer.locator("form[data-form='talk-edit'] button[type='submit']").click()
    assert "已修改" in console.flash()
    console.go(f"/console/branches/{branch}/duties?status=closed")
    assert console.page.locator("#duty-table tr[data-status='closed']").count() == 2
    console.no_problems()


def test_secretary_corrects_a_locked_talk(app, demo, console):
    branch = demo["branches"][ZONGCAI]
    with app.app_context():
        locked = db.session.scalar(
            db.select(Talk).where(Talk.member_id == demo["people"]["D0004"]).order_by(Talk.id)
        )
        month = locked.month
    console.demo_sign_in("secretary")
    console.go(f"/console/branches/{branch}/talks?month={month}")
    drawer = console.drawer(f"tr[data-talk='{locked.id}'] a:has-text('查看')")
    form = drawer.locator("form[data-form='talk-correct']")
    form.locator("textarea[name='topics']").fill("")
    form.locator("button[type='submit']").click()
    console.page.wait_for_function(
        "() => document.querySelector('#drawer .form-error').textContent.length > 0"
    )
    assert "谈心内容" in form.locator(".form-error").inner_text()
    form.locator("textarea[name='topics']").fill("调岗后的想法、技能培训（更正：补记家访地点）")
    console.shot("desk-talk-correct", full=False)
    with console.page.expect_navigation():
        form.locator("button[type='submit']").click()
    assert f"更正 #{locked.id}" in console.flash()
    console.no_problems()


def test_secretary_records_an_event_and_runs_mentoring(app, demo, console):
    branch = demo["branches"][ZONGCAI]
    console.demo_sign_in("secretary")
    console.go(f"/console/branches/{branch}/duties")
    console.page.click("form[data-form='event'] button[type='submit']")
    console.page.wait_for_function(
        "() => document.querySelector(\"form[data-form='event'] .form-error\").textContent.length"
    )
    assert "请选择职工" in console.page.inner_text("form[data-form='event'] .form-error")
    form = console.page.locator("form[data-form='event']")
    form.locator("select[name='employee_id'] option", has_text="D0007").wait_for(state="attached")
    value = form.locator("select[name='employee_id'] option", has_text="D0007").get_attribute(
        "value"
    )
    form.locator("select[name='employee_id']").select_option(value)
    form.locator("select[name='kind']").select_option("disciplined")
    form.locator("input[name='note']").fill("违反劳动纪律受到警告处分")
    submit(console, "event")
    assert "必谈任务指派给" in console.flash()
    console.shot("desk-duties")
    with app.app_context():
        event = db.session.scalar(db.select(CareEvent).order_by(CareEvent.id.desc()))
        assert event.kind == "disciplined" and event.assignee_id == demo["people"]["D0004"]

    console.go(f"/console/branches/{branch}/mentoring")
    assert console.page.locator("#mentoring-table tr[data-mentorship]").count() == 1
    form = console.page.locator("form[data-form='mentorship']")
    form.locator("button[type='submit']").click()
    console.page.wait_for_function(
        "() => document.querySelector(\"form[data-form='mentorship'] .form-error\").textContent"
    )
    assert "请选择师傅" in form.locator(".form-error").inner_text()
    mentor = form.locator("select[name='mentor_id'] option", has_text="D0005").get_attribute(
        "value"
    )
    form.locator("select[name='mentor_id']").select_option(mentor)
    apprentice = form.locator("select[name='apprentice_id'] option", has_text="D0007")
    form.locator("select[name='apprentice_id']").select_option(apprentice.get_attribute("value"))
    form.locator("textarea[name='skill_goals']").fill("掌握刮板输送机操作")
    form.locator("textarea[name='safety_goals']").fill("熟记运输安全规程")
    submit(console, "mentorship")
    assert "已结成师徒" in console.flash()
    with app.app_context():
        new = db.session.scalar(db.select(Mentorship).order_by(Mentorship.id.desc()))
    row = console.page.locator(f"tr[data-mentorship='{new.id}']")
    row.locator("select[name='result']").select_option("passed")
    row.locator("input[name='comment']").fill("按计划推进")
    with console.page.expect_navigation():
        row.locator("button:has-text('考核')").click()
    assert "中期考核：通过" in console.flash()
    console.shot("desk-mentoring")
    with console.page.expect_navigation():
        console.page.locator(
            f"tr[data-mentorship='{new.id}'] [data-mentorship-action='end']"
        ).click()
    assert "已解除师徒" in console.flash()
    console.no_problems()


def test_secretary_posts_a_wish_for_an_employee_without_a_phone(app, demo, console):
    branch = demo["branches"][ZONGCAI]
    console.demo_sign_in("secretary")
    console.go(f"/console/branches/{branch}/wishes")
    drawer = console.drawer("a:has-text('代发心愿')")
    drawer.locator("button[type='submit']").click()
    console.page.wait_for_function(
        "() => document.querySelector('#drawer .form-error').textContent.length > 0"
    )
    assert "请选择许愿的职工" in drawer.locator(".form-error").inner_text()
    value = drawer.locator("select[name='employee_id'] option", has_text="D0008").get_attribute(
        "value"
    )
    drawer.locator("select[name='employee_id']").select_option(value)
    drawer.locator("select[name='category']").select_option("life")
    drawer.locator("input[name='title']").fill("想要一台老年手机")
    drawer.locator("textarea[name='content']").fill("家里老人没有手机，想要一台按键大的老年手机")
    console.shot("desk-wish-behalf", full=False)
    with console.page.expect_navigation():
        drawer.locator("button[type='submit']").click()
    assert "已代" in console.flash()
    with app.app_context():
        wish = db.session.scalar(db.select(Wish).order_by(Wish.id.desc()))
        assert wish.wisher_id == demo["people"]["D0008"]
        assert wish.author_id == demo["people"]["D0002"]
    console.go(f"/console/branches/{branch}/wishes")
    assert "代发" in console.page.inner_text(f"tr[data-wish='{wish.id}']")
    console.no_problems()


def test_committee_sets_the_talk_rule_and_exports_the_whole_mine(app, demo, console):
    console.demo_sign_in("committee")
    console.go("/console/mine/talk-rule")
    assert "思想有波动" in console.page.inner_text("[data-rule='current']")
    console.page.click("form[data-form='talk-rule'] button[type='submit']")
    console.page.wait_for_function(
        "() => document.querySelector(\"form[data-form='talk-rule'] .form-error\").textContent"
    )
    console.page.select_option("form[data-form='talk-rule'] select[name='basis']", "any")
    console.page.fill("form[data-form='talk-rule'] input[name='note']", "党委会决定")
    submit(console, "talk-rule")
    assert "已设定" in console.flash()
    assert "任一结对职工" in console.page.inner_text("[data-rule='upcoming']")
    assert "思想有波动" in console.page.inner_text("[data-rule='current']")
    assert "党委会决定" in console.page.inner_text("#rule-history")
    console.shot("desk-talk-rule")
    console.go("/console/mine")
    href = console.page.get_attribute("a:has-text('导出全矿')", "href")
    r = console.page.request.get(console.base + href)
    assert r.status == 200 and r.body()[:2] == b"PK"
    console.no_problems()


def test_the_desk_refuses_without_a_browser_too(app, demo):
    """The same rules over plain posts: a duty closed by someone not assigned is refused."""
    client = app.test_client()
    token = client_sign_in(client, "secretary")
    branch = demo["branches"][ZONGCAI]
    with app.app_context():
        event = db.session.scalar(
            db.select(CareEvent).where(CareEvent.closed_at.is_(None)).order_by(CareEvent.id)
        )
        talk = db.session.scalar(db.select(Talk).order_by(Talk.id))
    r = client.post(
        f"/console/branches/{branch}/duties/{event.id}/close",
        data={"talk_id": talk.id},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert r.status_code == 403 and r.headers["X-Console-Reason"] == "not_duty_assignee"
    r = client.post(
        f"/console/branches/{branch}/talks",
        data={"pairing": "self", "employee_id": "", "topics": "x"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert r.status_code == 422
    when = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%d")
    r = client.post(
        f"/console/branches/{branch}/duties",
        data={"employee_id": demo["people"]["D0007"], "kind": "injured", "occurred_on": when},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert r.status_code == 422 and r.headers["X-Console-Reason"] == "event_in_future"
