"""Issue 27 items 6 and 11: what a first visit meets before doing anything.

- `/console/` with no cookie at all goes to the sign-in page without a red "请先登录" bar; a
  cookie that no longer signs anyone in still says why (登录已失效).
- A signed-in user on a page that does not exist gets the menu and a way back to 首页, not
  only "返回登录".
- `GET /` and `GET /api/v1/docs/` (trailing slash) lead somewhere instead of 404."""

from __future__ import annotations

from tests.console.sign_in import client_sign_in


def test_first_visit_is_not_told_off(app):
    client = app.test_client()
    r = client.get("/console/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/login")
    html = client.get("/console/login").get_data(as_text=True)
    assert "请先登录" not in html
    assert 'class="flash' not in html and "alert-error" not in html


def test_a_dead_cookie_still_says_why(app):
    client = app.test_client()
    client.set_cookie("frontline_console", "x" * 40, path="/console")
    client.get("/console/")
    html = client.get("/console/login").get_data(as_text=True)
    assert "登录已失效，请重新登录" in html


def test_a_signed_in_404_leads_home(app, demo):
    client = app.test_client()
    client_sign_in(client, "committee")
    r = client.get("/console/no-such-page")
    html = r.get_data(as_text=True)
    assert r.status_code == 404
    assert "返回首页" in html and "返回登录" not in html


def test_a_404_signed_out_leads_to_sign_in(app):
    html = app.test_client().get("/console/no-such-page").get_data(as_text=True)
    assert "返回登录" in html


def test_root_and_docs_slash_lead_somewhere(app):
    client = app.test_client()
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/")
    r = client.get("/api/v1/docs/")
    assert r.status_code in (301, 302, 308) and r.headers["Location"].endswith("/api/v1/docs")
    assert client.get("/api/v1/docs").status_code == 200
