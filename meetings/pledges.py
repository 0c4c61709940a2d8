"""承诺践诺: a party member's yearly pledge (items, content-checked) and its two reviews by
the branch's secretary or the committee — mid-year and year end, each kept / partly / not
kept, each once — which put the rulebook's pledge points on the ledger (ref
pledge:<id>:mid|end). Nobody reviews their own pledge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from accounts.principal import Principal
from clock import SHANGHAI
from media import content_check
from meetings.errors import (
    InvalidMeeting,
    NotAPartyMember,
    OwnPledge,
    PledgeNotFound,
    PledgeReviewed,
)
from models import Person, Pledge, db, utcnow
from points.ledger import award

STAGES = {"mid": "年中", "end": "年终"}
VERDICT_SOURCES = {"kept": "pledge_kept", "partly": "pledge_partly", "not_kept": "pledge_not_kept"}
VERDICT_NAMES = {"kept": "已践诺", "partly": "部分践诺", "not_kept": "未践诺"}
MAX_ITEMS = 10


def submit(principal: Principal, year: int, items: list[str]) -> Pledge:
    """A party member makes (or, before any review, rewrites) their pledge for a year."""
    person = principal.require_bound()
    if not person.is_party_member:
        raise NotAPartyMember()
    clean = [i.strip() for i in items if i and i.strip()]
    if not clean or len(clean) > MAX_ITEMS:
        raise InvalidMeeting(errors={"items": [f"请填写 1 至 {MAX_ITEMS} 条承诺"]})
    content_check.require_publishable(person.id, *clean)
    pledge = db.session.scalar(
        db.select(Pledge).where(Pledge.person_id == person.id, Pledge.year == year)
    )
    if pledge is not None:
        if pledge.mid_verdict or pledge.end_verdict:
            raise PledgeReviewed()
        pledge.items = clean
        pledge.submitted_at = utcnow()
    else:
        pledge = Pledge(
            mine_id=person.mine_id,
            person_id=person.id,
            year=year,
            items=clean,
            submitted_at=utcnow(),
        )
        db.session.add(pledge)
    db.session.flush()
    return pledge


def mine(person_id: int, year: int) -> Pledge | None:
    return db.session.scalar(
        db.select(Pledge).where(Pledge.person_id == person_id, Pledge.year == year)
    )


def listed(principal: Principal, year: int, branch_id: int | None = None) -> list[Pledge]:
    """The pledges of a year the caller may review (committee: the mine's; a secretary:
    their branches')."""
    viewer = principal.require("secretary", "committee")
    stmt = (
        db.select(Pledge)
        .join(Person, Person.id == Pledge.person_id)
        .where(Pledge.mine_id == viewer.mine_id, Pledge.year == year)
    )
    if viewer.mine_id not in principal.committee_of:
        stmt = stmt.where(Person.branch_id.in_(principal.secretary_of or [-1]))
    if branch_id is not None:
        stmt = stmt.where(Person.branch_id == branch_id)
    return list(db.session.scalars(stmt.order_by(Person.employee_no)))


def review(
    principal: Principal, pledge_id: int, stage: str, verdict: str, note: str | None
) -> Pledge:
    """Review a pledge at mid-year or year end; the verdict's rule scores it, once."""
    reviewer = principal.require("secretary", "committee")
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None or not principal.manages_branch(pledge.person.branch_id, pledge.mine_id):
        raise PledgeNotFound()
    if pledge.person_id == reviewer.id:
        raise OwnPledge()
    if stage not in STAGES or verdict not in VERDICT_SOURCES:
        raise InvalidMeeting(errors={"verdict": ["评议结果为 kept、partly 或 not_kept"]})
    if note:
        content_check.require_publishable(reviewer.id, note)
    col = Pledge.mid_verdict if stage == "mid" else Pledge.end_verdict
    values = {
        f"{stage}_verdict": verdict,
        f"{stage}_note": (note or "").strip()[:255] or None,
        f"{stage}_by_id": reviewer.id,
    }
    won = db.session.execute(
        update(Pledge)
        .where(Pledge.id == pledge.id, col.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise PledgeReviewed()
    # Scored on the review's day, within the pledge's year (a late year-end review counts
    # for the year it is about).
    last = datetime(pledge.year + 1, 1, 1, tzinfo=SHANGHAI).astimezone(UTC) - timedelta(seconds=1)
    award(
        pledge.person_id,
        None,
        VERDICT_SOURCES[verdict],
        f"{pledge.year} 年承诺{STAGES[stage]}评议：{VERDICT_NAMES[verdict]}",
        ref=f"pledge:{pledge.id}:{stage}",
        actor_person_id=reviewer.id,
        at=min(utcnow(), last),
    )
    db.session.refresh(pledge)
    return pledge
