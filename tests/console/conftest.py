"""Browser tests of the console: Debian's Chromium driven by Playwright against the app served
by a real HTTP server on loopback, on the suite's database and Redis.

Chromium must be installed (`scripts/test.sh` installs it with apt-get): a missing browser fails
these tests, it never skips them."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from models import AssessmentMonth, Branch, Mine, Person, Zone, db
from tests.console.layout import assert_fits

CHROMIUM = os.environ.get("CONSOLE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",  # the browser's own widgets (month pickers) in Chinese too
]
# Screenshots of a test run go to an ignored folder, so a clean checkout stays clean after
# scripts/test.sh; `FRONTLINE_REFRESH_SCREENSHOTS=1` (scripts/refresh_screenshots.sh) writes
# them over the README's copies in docs/console/ instead.
_ROOT = Path(__file__).resolve().parents[2]
SHOTS = (
    _ROOT / "docs" / "console"
    if os.environ.get("FRONTLINE_REFRESH_SCREENSHOTS") == "1"
    else _ROOT / "test-artifacts" / "console"
)


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The app behind a threaded werkzeug server on a free loopback port."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run scripts/test.sh (apt-get install chromium)"
        )
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class Console:
    """One browser tab on the console, with the problems the page reported."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.problems: list[str] = []
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on(
            "console",
            lambda m: (
                self.problems.append(m.text)
                if m.type == "error" and "Content Security Policy" in m.text
                else None
            ),
        )
        # hx-confirm asks with window.confirm: the person clicks OK.
        page.on("dialog", lambda d: d.accept())

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")
        return response

    def demo_sign_in(self, who: str) -> None:
        """Sign in with the login page's demo list (demo mode only)."""
        self.go("/console/login")
        with self.page.expect_navigation():
            self.page.click(f"[data-demo-login='{who}']")

    def charts_drawn(self) -> None:
        """Every chart on the page was handed to ECharts and drew a canvas."""
        for el in self.page.query_selector_all("[data-chart]"):
            el.wait_for_selector("canvas")

    def shot(self, name: str, full: bool = True) -> None:
        """Save a screenshot as SHOTS/NAME.png: the whole page, or what the window shows (an
        open drawer sits in the window, not on the page)."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.charts_drawn()
        assert_fits(self.page, name)  # every page a test shows fits the desk's width
        self.page.wait_for_timeout(300)  # ECharts animates its first frame in
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)

    def drawer(self, selector: str) -> Any:
        """Open a record's drawer by clicking `selector`; returns the drawer."""
        self.page.click(selector)
        drawer = self.page.locator("#drawer")
        drawer.wait_for(state="visible")
        return drawer

    def flash(self) -> str:
        """The message the last action left at the top of the page."""
        alert = self.page.locator(".alert").first
        alert.wait_for()
        return alert.inner_text()

    def no_problems(self) -> None:
        assert self.problems == [], self.problems


@pytest.fixture
def console(browser, live_server) -> Iterator[Console]:
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    c = Console(page, live_server)
    yield c
    context.close()


@pytest.fixture
def demo(app) -> dict[str, Any]:
    """The demo mine (`flask demo`): people, grants, bound demo accounts, pairings, talks,
    wishes in every status, campaigns with ballots, points requests (approved, rejected,
    waiting)."""
    from demo.pairings import seed_pairings
    from demo.people import MINE, seed_people
    from demo.points import seed_points
    from demo.votes import seed_votes
    from demo.wishes import seed_wishes

    with app.app_context():
        seed_people()
        seed_pairings()
        seed_wishes()
        seed_votes()
        seed_points()
        db.session.commit()
        mine = db.session.scalar(db.select(Mine).where(Mine.name == MINE))
        branches = {b.name: b.id for b in db.session.scalars(db.select(Branch))}
        people = {
            p.employee_no: p.id
            for p in db.session.scalars(db.select(Person).where(Person.mine_id == mine.id))
        }
        return {"mine_id": mine.id, "branches": branches, "people": people}


@pytest.fixture
def demo_zones(app) -> Callable[[], int]:
    """demo_zones(): the demo mine's zones and dangers (`flask demo`'s) seeded on top of `demo`;
    a zone's id."""

    def seed() -> int:
        from demo.zones import seed_zones

        with app.app_context():
            seed_zones()
            db.session.commit()
            return db.session.scalar(db.select(Zone.id))

    return seed


@pytest.fixture
def demo_assessments(app) -> Callable[[], dict[str, int]]:
    """demo_assessments(): the demo mine's 区队考核 months seeded on top of `demo` (last month
    locked, this month in progress); the months' ids by status."""

    def seed() -> dict[str, int]:
        from demo.assessments import seed_assessments

        with app.app_context():
            seed_assessments()
            db.session.commit()
            months = db.session.scalars(
                db.select(AssessmentMonth)
                .where(AssessmentMonth.kind == "team")
                .order_by(AssessmentMonth.month)
            )
            return {m.status: m.id for m in months}

    return seed
