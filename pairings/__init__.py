"""一带三/一带五 pairings, monthly heart-to-heart talks, and the member points ledger."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install the roster hook that ends the pairings of members who leave the party (a
    before_flush listener, once per process); the talk reminders, the overdue 必访必谈 notices
    and the to-do counts."""
    from sqlalchemy.orm import Session

    from jobs.schedule import periodic
    from models.listeners import listen_once
    from pairings.services import end_pairings_of_members_who_left_the_party

    listen_once(Session, "before_flush", end_pairings_of_members_who_left_the_party)
    periodic("pairings-talk-reminders", "pairings.jobs.remind_job", cron="0 9 * * *")
    periodic("pairings-duties-overdue", "pairings.jobs.overdue_duties_job", every=900)

    from notifications import todo
    from pairings.duties import open_duties_count
    from pairings.queries import talks_due_count

    todo.register("talks_due", "本月待完成的谈心谈话", "pages/pairings/index", talks_due_count)
    todo.register(
        "care_duties_open", "待完成的必访必谈", "pages/pairings/duties", open_duties_count
    )
