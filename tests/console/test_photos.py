"""Photos in the console (issue 13): a photo WeChat's check left for a person to judge, judged
in the browser and checked through the API, with a screenshot for the README (docs/console/)."""

from __future__ import annotations

import io
import re

from PIL import Image

from models import Person, Upload, Wish, db, utcnow
from tests.console.sign_in import bearer


def _photo(colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (160, 120), colour).save(buf, "JPEG")
    return buf.getvalue()


def test_secretary_judges_photos_left_for_a_person(app, demo, console):
    """Issue 13 phase 2a (图片审核): two proof photos WeChat did not judge in time wait for the
    secretary; the wish drawer shows their status; one is passed and one withdrawn in the
    browser; the API shows the first public and the second withdrawn."""
    from media import checks, store

    with app.app_context():
        wish = db.session.scalar(db.select(Wish).where(Wish.status == "fulfilled"))
        claimer = db.session.get(Person, wish.claimer_id)
        ids = []
        for colour in ((200, 60, 40), (40, 90, 200)):
            upload = store.store_upload(claimer, _photo(colour))
            upload.wish_id = wish.id
            db.session.flush()
            checks.to_review(upload, "overdue", utcnow())  # as the sweeper does after the timeout
            ids.append(upload.id)
        wish_id, branch_id = wish.id, wish.branch_id
        db.session.commit()
    first, second = ids
    console.demo_sign_in("secretary")
    console.go(f"/console/branches/{branch_id}/wishes?status=fulfilled")
    drawer = console.drawer(f"tr[data-wish='{wish_id}'] a")
    assert drawer.locator(f"[data-photo='{first}'] [data-photo-check]").inner_text() == "待人工审核"
    drawer.locator("[data-close]").click()
    console.page.click("a.menu-item:has-text('图片审核')")
    console.page.wait_for_url(re.compile(r"/console/photos$"))
    row = console.page.locator(f"tr[data-photo='{first}']")
    assert "微信检测超时未返回结果" in row.inner_text()
    console.shot("photo-review")
    with console.page.expect_navigation():
        row.locator("button[value='pass']").click()
    assert "已通过" in console.flash()
    row = console.page.locator(f"tr[data-photo='{second}']")
    row.locator("input[name='reason']").fill("照片中有工友正脸，未经同意")
    with console.page.expect_navigation():
        row.locator("button[value='withdraw']").click()
    assert "已撤下" in console.flash()
    assert console.page.locator("#photo-table tbody tr[data-photo]").count() == 0  # none waiting
    r = app.test_client().get("/api/v1/admin/photos?status=pass", headers=bearer(app, "secretary"))
    assert first in {p["id"] for p in r.get_json()}
    r = app.test_client().get("/api/v1/admin/photos?status=risky", headers=bearer(app, "secretary"))
    (withdrawn,) = [p for p in r.get_json() if p["id"] == second]
    assert withdrawn["note"] == "照片中有工友正脸，未经同意" and withdrawn["url"] is None
    with app.app_context():
        assert db.session.get(Upload, first).checked_by_id == demo["people"]["D0002"]
    console.go(f"/console/branches/{branch_id}/wishes?status=fulfilled")
    drawer = console.drawer(f"tr[data-wish='{wish_id}'] a")
    assert drawer.locator(f"[data-photo='{second}'] [data-photo-check]").inner_text() == "已撤下"
    assert drawer.locator(f"[data-photo='{first}'] [data-photo-check]").inner_text() == "已通过"
    console.no_problems()
