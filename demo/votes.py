"""The demo mine's 六大员 campaigns: one open for voting, one published, one draft."""

from __future__ import annotations

from datetime import timedelta

from accounts.principal import principal_for_person
from demo.people import MINE
from models import Campaign, Mine, Person, db
from models.votes import CATEGORY_KEYS
from votes import ballots, campaigns, clock

STORIES = {
    "safety": "坚持“手指口述”安全确认，全年排查隐患 {n} 处，制止“三违” {n} 起。",
    "reform": "牵头攻关综采工作面端头支护难题，提出合理化建议 {n} 条。",
    "publicity": "利用班前会宣讲形势任务 {n} 次，把矿井政策讲到每个班组。",
    "mediation": "走访困难职工 {n} 户，化解邻里、工友矛盾纠纷多起。",
    "discipline": "连续 {n} 年无违章，是全队遵章守纪的标杆。",
    "emergency": "在水害抢险中第一个冲上去，连续奋战 {n} 小时。",
}


def seed_votes() -> str:
    """Create the demo campaigns once (re-running `flask demo` leaves them alone)."""
    mine = db.session.scalar(db.select(Mine).where(Mine.name == MINE))
    if db.session.scalar(db.select(Campaign.id).where(Campaign.mine_id == mine.id)) is not None:
        return "votes: demo campaigns already there"
    people = {
        p.employee_no: p
        for p in db.session.scalars(db.select(Person).where(Person.mine_id == mine.id))
    }
    committee = principal_for_person(people["D0001"])
    members = sorted((p for p in people.values() if p.is_party_member), key=lambda p: p.employee_no)
    now = clock.now()

    def campaign(title: str, starts, ends, **extra) -> Campaign:
        c = campaigns.create_campaign(
            committee, {"title": title, "starts_at": starts, "ends_at": ends, **extra}
        )
        for i, category in enumerate(CATEGORY_KEYS):
            for j in range(3):
                person = members[(i * 3 + j) % len(members)]
                campaigns.add_candidate(
                    c, committee, person.employee_no, category, STORIES[category].format(n=5 + j)
                )
        return c

    live_one = campaign(
        "2026年度“六大员”评选（投票中）",
        now - timedelta(days=1),
        now + timedelta(days=14),
        description="模范带头勇作为，人人争做“六大员”。每人每天每类最多投 3 位候选人。",
    )
    # Ties for the last place of 名额 broken by votes in the demo (the default, the committee
    # decides during 公示, is shown by the tests: tests/console/test_votes_repairs.py).
    live_one.tie_rule = "votes"
    campaigns.open_campaign(live_one, committee)
    past = campaign(
        "2025年度“六大员”评选（已公布）",
        now - timedelta(days=60),
        now - timedelta(days=30),
        weights={"votes": 0.4, "points": 0.6},
    )
    db.session.commit()
    # Votes for both (the past one was open back then: cast with its clock).
    voters = [p for p in people.values() if p.employee_no != "D0001"][:24]
    for c, at in ((live_one, now), (past, now - timedelta(days=45))):
        if c is past:
            past.status = "open"
            db.session.commit()
        for k, voter in enumerate(voters):
            for cand in c.candidates[k % 4 :: 5][:4]:
                try:
                    ballots.cast_vote(
                        c.id, cand.id, voter, None, ballots.ClientInfo("10.0.0.1"), at
                    )
                except Exception:  # noqa: BLE001 - a demo vote the rules refuse is fine to skip
                    db.session.rollback()
    past.status = "open"
    past.tie_rule = "votes"  # a published campaign cannot have waited for a decision
    campaigns.close_campaign(past, committee)
    campaigns.start_notice(past, committee, days=5)
    # Its 公示 ran back then: the period is over, with no objection, so it can be published.
    past.notice_starts_at, past.notice_ends_at = now - timedelta(days=12), now - timedelta(days=7)
    campaigns.publish_campaign(past, committee)
    campaign("2027年度“六大员”评选（草稿）", now + timedelta(days=300), now + timedelta(days=330))
    db.session.commit()
    return (
        "votes: 3 campaigns (open, published, draft); demo:member / demo:miner can vote, "
        "demo:committee manages them"
    )
