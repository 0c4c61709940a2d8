"""The member points ledger (党员积分): awards from wishes and monthly talks, manual adjustments
by request and approval, totals per period. Wishes, pairings and votes use it; it uses none of
them."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the committee's 待办 of points requests to approve."""
    from notifications import todo
    from points.queries import requests_to_approve_count

    todo.register(
        "points_requests", "待审批的积分申请", "pages/points/requests", requests_to_approve_count
    )
