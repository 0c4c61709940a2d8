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


def test_committee_decides_a_tie_in_the_console(
    app, client, world, demo, console, cast_vote, end_notice, new_campaign
):
    """Issue 18 #6: a tie at the 名额 boundary goes to 公示 marked tied; the committee decides it
    on the campaign page with a reason, and publish (refused before) goes through."""
    import time

    setup = new_campaign(categories=("safety",), per_category=3, weights={"votes": 1, "points": 0})
    a, b, c = setup.candidates["safety"]
    for candidate in (a, a, b, b, c):
        assert (
            cast_vote(setup, world.headers(world.person(setup.branch)), candidate).status_code
            == 201
        )
        time.sleep(0.01)
    base = f"/api/v1/admin/campaigns/{setup.campaign_id}"
    admin = setup.committee_headers
    client.post(f"{base}/close", headers=admin)
    assert client.post(f"{base}/notice", json={"days": 1}, headers=admin).status_code == 200
    end_notice(setup.campaign_id)
    assert client.post(f"{base}/publish", headers=admin).json["reason"] == "tie_undecided"

    console.demo_sign_in("committee")
    page = console.page
    console.go(f"/console/campaigns/{setup.campaign_id}")
    assert "尚待评选委员会决定" in page.locator("[data-tie='safety']").inner_text()
    assert page.locator("[data-tied]").count() == 2
    form = page.locator("form[data-form='tie-safety']")
    form.locator(f"input[name='candidate_ids'][value='{b}']").check()
    form.locator("input[name='reason']").fill("b 的安全监督事迹更突出")
    with page.expect_navigation():
        form.locator("button[type='submit']").click()
    assert "并列名次" in console.flash()
    assert "b 的安全监督事迹更突出" in page.locator("[data-tie='safety']").inner_text()
    assert page.locator(f"[data-candidate-result='{b}'] [data-honoured]").count() == 1
    console.no_problems()
    assert client.post(f"{base}/publish", headers=admin).status_code == 200
