"""责任区 in the console: the danger board with the demo mine's dangers in every state (one
overdue), the zone register with its placard (Chinese text), patrol compliance, the 三违
register for the committee only, the ledgers; screenshots for the README (docs/console/)."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from PIL import Image

from tests.console.sign_in import client_sign_in
from zones import placard


def test_committee_sees_the_danger_board_register_placard_and_violations(
    app, demo, console, demo_zones
):
    zone_id = demo_zones()
    console.demo_sign_in("committee")
    console.page.click("a.menu-item:has-text('责任区')")
    console.page.wait_for_selector("#danger-board")
    assert console.page.locator("[data-stat='overdue'] .stat-value").inner_text() == "1"
    assert console.page.locator("[data-stat='fixed'] .stat-value").inner_text() == "1"
    assert console.page.locator("[data-stat='verified'] .stat-value").inner_text() == "1"
    assert console.page.locator("#danger-table [data-overdue]").count() == 1
    # the anonymous report shows its reporter to the committee
    assert "（匿名）" not in console.page.locator("#danger-table").inner_text()
    assert console.page.locator("#violation-table tr[data-violation]").count() == 1
    assert console.page.locator(f"#patrol-table tr[data-patrol-zone='{zone_id}']").count() == 1
    console.shot("zones")
    # filter: overdue only
    console.page.check("input[name='overdue']")
    with console.page.expect_navigation():
        console.page.click("button:has-text('筛选')")
    assert console.page.locator("#danger-table tr[data-danger]").count() == 1
    # the placard opens as an image with Chinese text, the phone tail only
    href = console.page.get_attribute(f"[data-placard='{zone_id}']", "href")
    r = console.page.request.get(console.base + href)
    assert r.status == 200 and r.headers["content-type"] == "image/png"
    img = Image.open(io.BytesIO(r.body()))
    assert img.size == (placard.WIDTH, placard.HEIGHT)
    # the placard as printed (the PNG itself: Chromium's image viewer page breaks our CSP)
    (_shots() / "zone-placard.png").write_bytes(r.body())
    # the ledgers
    r = console.page.request.get(console.base + "/console/zones/dangers.xlsx")
    assert r.status == 200
    ws = load_workbook(io.BytesIO(r.body())).active
    assert ws.title == "隐患台账" and ws.max_row == 6  # header + 5 demo dangers
    r = console.page.request.get(console.base + "/console/zones/violations.xlsx")
    assert r.status == 200 and load_workbook(io.BytesIO(r.body())).active.max_row == 2
    console.no_problems()


def test_a_secretary_sees_no_violation_register_and_anonymous_stays_anonymous(
    app, demo, demo_zones
):
    demo_zones()
    client = app.test_client()
    client_sign_in(client, "secretary")
    html = client.get("/console/zones").get_data(as_text=True)
    assert "隐患看板" in html and "violation-table" not in html
    assert "chart-danger-trend" in html
    assert "（匿名）" in html
    assert client.get("/console/zones/violations.xlsx").status_code == 404
    ws = load_workbook(io.BytesIO(client.get("/console/zones/dangers.xlsx").data)).active
    assert "（匿名）" in [c.value for c in ws["H"]]


def _shots():
    from tests.console.conftest import SHOTS

    return SHOTS
