"""三会一课 and 主题党日 meetings (sign-in, leave, minutes, attendance), pledges (承诺践诺),
deeds (我为职工办实事) and the yearly ratings, scored on the points ledger by the rulebook."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Tell media/ what a meeting photo is for; the secretary's 待办 of leave to decide."""
    from meetings import photos
    from meetings.queries import leave_to_decide_count
    from notifications import todo

    photos.register_owner()
    todo.register(
        "meeting_leave", "待审批的会议请假", "pages/meetings/leave", leave_to_decide_count
    )
