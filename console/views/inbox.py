"""消息中心 for desk users: my own inbox (every notification I was sent, marked read here as in
the mini-program) and my 待办, and for the committee the delivery statistics per kind (sent,
skipped for want of a subscribe consent, failed) — which notices to ask people to subscribe to."""

from __future__ import annotations

from flask import render_template

from console.auth import committee_or_404, done, principal
from console.blueprint import bp
from console.tables import arg_str, paginate
from models import Notification
from notifications import consents, inbox, todo
from notifications.inbox import WORDINGS
from notifications.kinds import KINDS
from web import unit_of_work


def _kind_titles() -> dict[str, str]:
    return {kind: WORDINGS[kind].title if kind in WORDINGS else kind for kind in KINDS}


@bp.get("/inbox")
def my_inbox():
    """My messages, newest first (filter unread / kind), and my 待办."""
    p = principal()
    unread = arg_str("unread", 1, ("1",)) == "1"
    kind = arg_str("kind", 48, tuple(KINDS))
    stmt = inbox.items_query(p.person_id, unread=unread, kind=kind)
    page = paginate(
        stmt, {"created_at": Notification.created_at}, "created_at", tiebreak=Notification.id
    )
    return render_template(
        "inbox/index.html",
        page=page,
        items=[inbox.item(n) for n in page.items],
        todo_items=todo.todo_of(p),
        unread=unread,
        kind=kind,
        kinds=_kind_titles(),
    )


@bp.post("/inbox/<int:item_id>/read")
def my_inbox_read(item_id: int):
    """Mark one of my messages read (another person's is 404)."""
    inbox.mark_read(principal().person_id, item_id)
    unit_of_work.flush()
    return done("已标为已读")


@bp.post("/inbox/read-all")
def my_inbox_read_all():
    """Mark all my messages read."""
    marked = inbox.mark_all_read(principal().person_id)
    return done(f"已将 {marked} 条消息标为已读")


@bp.get("/delivery-stats")
def delivery_stats():
    """Per kind: messages sent, skipped for want of a consent, failed (the committee's mine)."""
    mine_id = committee_or_404()
    return render_template(
        "inbox/stats.html", rows=consents.delivery_stats(mine_id), kinds=_kind_titles()
    )
