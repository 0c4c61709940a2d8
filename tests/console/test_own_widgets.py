"""Issue 27 item 14: the browser's own widgets follow the browser's language, so the console
draws its own — a month picker, a date and a date-time picker (selects joined into the value
the form posts), a file chooser ("选择文件" and the file's name) — and our own validation
message instead of the browser's popup. The server reads what the widgets post and refuses
garbage in Chinese."""

from __future__ import annotations

import re

from models import Campaign, CareEvent, db

ZONGCAI = "综采一队党支部"
NATIVE = "input[type=month], input[type=date], input[type=datetime-local], input[type=time]"


def test_a_date_picker_registers_a_duty_and_an_empty_one_says_so(app, demo, console):
    branch = demo["branches"][ZONGCAI]
    console.demo_sign_in("secretary")
    console.go(f"/console/branches/{branch}/duties")
    page = console.page
    assert page.locator(NATIVE).count() == 0
    form = page.locator("form[data-form='event']")
    form.locator("select[name='employee_id']").select_option(index=1)
    form.locator("select[name='kind']").select_option("injured")
    picker = form.locator("[data-picker='date']")
    # Emptied, then submitted: our own message next to the form, no request, no popup.
    for part in ("y", "m", "d"):
        picker.locator(f"select[data-part='{part}']").select_option("")
    form.locator("button[type='submit']").click()
    error = form.locator(".form-error")
    error.wait_for()
    assert error.inner_text().strip() == "请选择日期"
    assert picker.locator("select[data-part='y']").get_attribute("aria-invalid") == "true"
    assert form.evaluate("f => f.noValidate") is True
    # Half a date: say what is missing.
    picker.locator("select[data-part='y']").select_option("2026")
    form.locator("button[type='submit']").click()
    assert "请选择完整的日期" in error.inner_text()
    # A day that does not exist.
    picker.locator("select[data-part='m']").select_option("02")
    picker.locator("select[data-part='d']").select_option("30")
    form.locator("button[type='submit']").click()
    assert "不存在" in error.inner_text()
    # A real date goes through and is stored as that day.
    picker.locator("select[data-part='m']").select_option("12")
    picker.locator("select[data-part='d']").select_option("01")
    assert page.input_value("form[data-form='event'] input[name='occurred_on']") == "2026-12-01"
    with page.expect_navigation():
        form.locator("button[type='submit']").click()
    with app.app_context():
        days = db.session.scalars(db.select(CareEvent.occurred_on)).all()
        assert any(d.isoformat() == "2026-12-01" for d in days)
    console.shot("own-date-picker")
    console.no_problems()


def test_a_date_time_picker_creates_a_campaign(app, demo, console):
    console.demo_sign_in("committee")
    console.go("/console/campaigns")
    page = console.page
    assert page.locator(NATIVE).count() == 0
    page.click("[data-open='create-dialog']")
    form = page.locator("form[data-form='create-campaign']")
    form.locator("input[name='title']").fill("2028年度“六大员”评选")
    for name, (y, m, d, hh, mm) in {
        "starts_at": ("2028", "03", "01", "08", "30"),
        "ends_at": ("2028", "03", "15", "18", "05"),
    }.items():
        picker = form.locator(f"[data-picker='datetime']:has(input[name='{name}'])")
        for part, value in zip(("y", "m", "d", "H", "M"), (y, m, d, hh, mm), strict=True):
            picker.locator(f"select[data-part='{part}']").select_option(value)
    assert form.locator("input[name='starts_at']").input_value() == "2028-03-01 08:30"
    with page.expect_navigation():
        form.locator("button[type='submit']").click()
    campaign_id = int(re.search(r"/campaigns/(\d+)$", page.url).group(1))
    with app.app_context():
        c = db.session.get(Campaign, campaign_id)
        from clock import local

        assert local(c.starts_at).strftime("%Y-%m-%d %H:%M") == "2028-03-01 08:30"
        assert local(c.ends_at).strftime("%Y-%m-%d %H:%M") == "2028-03-15 18:05"
    console.no_problems()


def test_the_file_chooser_speaks_chinese(app, demo, console):
    console.demo_sign_in("committee")
    with app.app_context():
        campaign_id = db.session.scalar(
            db.select(Campaign.id).where(Campaign.status == "draft").order_by(Campaign.id)
        )
    if campaign_id is None:  # the demo has none in draft: make one through the desk
        console.go("/console/campaigns")
        console.page.click("[data-open='create-dialog']")
        form = console.page.locator("form[data-form='create-campaign']")
        form.locator("input[name='title']").fill("2029年度“六大员”评选")
        with console.page.expect_navigation():
            form.locator("button[type='submit']").click()
        campaign_id = int(re.search(r"/campaigns/(\d+)$", console.page.url).group(1))
    console.go(f"/console/campaigns/{campaign_id}")
    page = console.page
    page.click("[data-open='candidate-dialog']")
    form = page.locator("form[data-form='add-candidate']")
    chooser = form.locator("[data-file-chooser]")
    assert chooser.locator("[data-file-pick]").inner_text() == "选择文件"
    assert chooser.locator("[data-file-name]").inner_text() == "未选择文件"
    with page.expect_file_chooser() as fc:
        chooser.locator("[data-file-pick]").click()
    fc.value.set_files({"name": "先进事迹照片.png", "mimeType": "image/png", "buffer": _png()})
    assert chooser.locator("[data-file-name]").inner_text() == "先进事迹照片.png"
    console.shot("own-file-chooser", full=False)
    console.no_problems()


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 60), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()
