"""issue 19 item 9 (console): new login codes are limited per browser; the per-IP limit is
a generous backstop (a mine office's desks share one address)."""

from __future__ import annotations


def test_many_browsers_behind_one_address_get_login_codes(app, demo):
    """Twenty desk browsers of one mine office (one address) each open the sign-in page."""
    for i in range(20):
        r = app.test_client().get("/console/login")
        assert r.status_code == 200, (i, r.status_code)


def test_one_browser_asking_for_new_codes_is_limited(app, demo):
    browser = app.test_client()
    codes = [browser.get("/console/login?new=1").status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]


def test_the_per_ip_backstop_still_holds(app, demo):
    app.config["CONSOLE_TICKET_IP_LIMITS"], old = (
        "5 per minute",
        app.config["CONSOLE_TICKET_IP_LIMITS"],
    )
    try:
        codes = [app.test_client().get("/console/login").status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]
    finally:
        app.config["CONSOLE_TICKET_IP_LIMITS"] = old
