"""The reconciler's repairs on the committee's campaign page (issue 18): a drift no request
trips over (a tally counted in Redis whose ballot never committed) is repaired by the job's
pass and counted, and the console shows "自动校正 N 次"."""

from __future__ import annotations

from models import Campaign, db, get_redis
from votes import live, reconcile


def test_campaign_page_shows_auto_corrections(app, demo, console):
    with app.app_context():
        campaign = db.session.scalar(db.select(Campaign).where(Campaign.status == "open"))
        cid = campaign.id
        candidate = campaign.candidates[0].id
        live.rebuild(cid)
    console.demo_sign_in("committee")
    console.go(f"/console/campaigns/{cid}")
    assert "自动校正 0 次" in console.page.locator("[data-auto-corrections]").inner_text()

    with app.app_context():
        get_redis().zincrby(live.tally_key(cid), 3, str(candidate))  # a phantom count
        report = reconcile.reconcile_all(settle_seconds=0.2)
        assert cid in report.repaired
        state = live.raw_state(cid)
        assert state["built"]
        assert state["tally"].get(candidate, 0) == reconcile.vote_counts(cid).get(candidate, 0)
    console.go(f"/console/campaigns/{cid}")
    text = console.page.locator("[data-auto-corrections]").inner_text()
    assert "自动校正 1 次" in text and "最近一次" in text
    console.no_problems()
