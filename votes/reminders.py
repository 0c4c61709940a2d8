"""Reminders to non-voters: once a day at most, during an open campaign whose rules ask for it
(`remind_non_voters`), a subscribe message to every bound employee of the mine who has not voted
in it that (Shanghai) day — not to people who left the mine, nor to unbound accounts. A row per
campaign and day, under a unique constraint, makes it once a day however many schedulers or
hands start it."""

from __future__ import annotations

from datetime import datetime

from models import Account, Ballot, Campaign, Person, VoteReminder, db
from models.unit_of_work import insert_once
from notifications import notify
from votes import clock

VOTE_PAGE = "pages/vote/index"


def remind_non_voters(now: datetime | None = None) -> dict[int, int]:
    """Queue today's reminders of every campaign that wants them; {campaign id: messages}."""
    now = now or clock.now()
    day = clock.vote_day(now)
    due = db.session.scalars(
        db.select(Campaign).where(
            Campaign.status == "open",
            Campaign.remind_non_voters.is_(True),
            Campaign.starts_at <= now,
            Campaign.ends_at > now,
        )
    ).all()
    sent: dict[int, int] = {}
    for campaign in due:
        run = VoteReminder(campaign_id=campaign.id, day=day, sent=0, at=now)
        if not insert_once(run):
            continue  # already reminded today
        voted = (
            db.select(Ballot.id)
            .where(
                Ballot.campaign_id == campaign.id,
                Ballot.voter_id == Person.id,
                Ballot.vote_day == day,
            )
            .exists()
        )
        people = db.session.scalars(
            db.select(Person.id)
            .join(Account, Account.person_id == Person.id)
            .where(
                Person.mine_id == campaign.mine_id,
                # Who left keeps the binding but is no longer one of the mine's voters; an
                # unbound account (person_id NULL) is not joined at all.
                Person.left_at.is_(None),
                Account.person_id.is_not(None),
                ~voted,
            )
            .distinct()
        ).all()
        ends = campaign.ends_at.astimezone(clock.SHANGHAI)
        for person_id in people:
            notify(
                person_id,
                "vote_reminder",
                {
                    "title": campaign.title,
                    "day": day.isoformat(),
                    "ends_at": ends.strftime("%Y-%m-%d %H:%M"),
                    "text": "今天还没有投票，为身边的“六大员”投上一票吧",
                },
                page=f"{VOTE_PAGE}?id={campaign.id}",
            )
        run.sent = len(people)
        sent[campaign.id] = len(people)
    return sent
