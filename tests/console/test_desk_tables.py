"""Issue 27 items 2 and 3: the table component's export (the filtered rows, every page, Chinese
headers, text never a formula) on 花名册 and 审计, and the bulk decisions on 心愿审核 and 审计
(each row's result: a refused row changes nothing, the others still go through)."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

from openpyxl import load_workbook

from models import Person, PointsRequest, Wish, db
from tests.console.sign_in import bearer, client_sign_in

ZONGCAI = "综采一队党支部"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(r):
    assert r.status_code == 200, r.get_data(as_text=True)[:400]
    assert r.mimetype == XLSX
    ws = load_workbook(io.BytesIO(r.data)).active
    return [[c.value for c in row] for row in ws.iter_rows()], ws


def _names(r) -> str:
    return unquote(re.search(r"filename\*=UTF-8''(\S+)$", r.headers["Content-Disposition"])[1])


def test_roster_export_is_the_filtered_rows(app, demo):
    """花名册 导出: every row the filters select (not only the page), in the table's order,
    with the table's Chinese headers; a name that looks like a formula stays text."""
    with app.app_context():
        person = db.session.get(Person, demo["people"]["D0011"])
        person.name = "=HYPERLINK(1)"
        db.session.commit()
    committee = app.test_client()
    client_sign_in(committee, "committee")
    branch = demo["branches"][ZONGCAI]
    page = committee.get(f"/console/roster?branch_id={branch}&page_size=1")
    total = int(re.findall(r"共 (\d+) 条", page.get_data(as_text=True))[-1])
    assert total > 1
    assert "export=xlsx" in page.get_data(as_text=True)
    r = committee.get(f"/console/roster?branch_id={branch}&page_size=1&sort=name&export=xlsx")
    rows, ws = _sheet(r)
    assert rows[0][:6] == ["工号", "姓名", "手机号", "单位", "班组", "党支部"]
    assert len(rows) - 1 == total  # all pages
    assert {row[5] for row in rows[1:]} == {ZONGCAI}
    formula = [c for c in ws["B"] if c.value == "=HYPERLINK(1)"]
    assert formula and formula[0].data_type == "s"
    assert all("****" in (row[2] or "****") for row in rows[1:])  # phones masked as on the page
    assert _names(r) == "花名册-在册.xlsx"
    left = committee.get("/console/roster?presence=left&page_size=1").get_data(as_text=True)
    gone = int(re.findall(r"共 (\d+) 条", left)[-1])
    rows, _ = _sheet(committee.get("/console/roster?presence=left&export=xlsx"))
    assert (
        len(rows) - 1 == gone
        and _names(committee.get("/console/roster?presence=left&export=xlsx"))
        == "花名册-已离职.xlsx"
    )


def test_every_audit_section_exports(app, demo):
    """审计 导出: each section's filtered rows with its headers, named 审计-<section>."""
    committee = app.test_client()
    client_sign_in(committee, "committee")
    heads = {
        "points": "提交时间",
        "talks": "时间",
        "binds": "时间",
        "signins": "时间",
        "leavers": "时间",
        "objections": "答复时间",
    }
    for section, head in heads.items():
        r = committee.get(f"/console/audit?section={section}&export=xlsx")
        rows, _ = _sheet(r)
        assert rows[0][0] == head, section
        assert _names(r).startswith("审计-"), section
    rows, _ = _sheet(committee.get("/console/audit?section=signins&method=demo&export=xlsx"))
    assert len(rows) >= 2 and {row[2] for row in rows[1:]} == {"演示登录"}
    pending, _ = _sheet(committee.get("/console/audit?section=points&rs=pending&export=xlsx"))
    assert {row[6] for row in pending[1:]} == {"待审批"}


def test_bulk_wish_review_reports_each_row(app, demo):
    """批量通过: the pending wishes are published, a wish already reviewed is reported and
    unchanged; 批量驳回 without a reason is refused in Chinese and changes nothing."""
    branch = demo["branches"][ZONGCAI]
    with app.app_context():
        pending = list(
            db.session.scalars(
                db.select(Wish.id).where(Wish.branch_id == branch, Wish.status == "pending_review")
            )
        )
        published = db.session.scalar(
            db.select(Wish.id).where(Wish.branch_id == branch, Wish.status == "open")
        )
    assert len(pending) == 2 and published
    secretary = app.test_client()
    token = client_sign_in(secretary, "secretary")
    url = f"/console/branches/{branch}/wishes/bulk-review"
    headers = {"HX-Request": "true"}
    r = secretary.post(
        url,
        data={"csrf_token": token, "decision": "reject", "ids": pending},
        headers=headers,
    )
    assert r.status_code == 422 and "请填写驳回原因" in r.get_data(as_text=True)
    r = secretary.post(url, data={"csrf_token": token, "decision": "approve"}, headers=headers)
    assert r.status_code == 422 and "请先勾选" in r.get_data(as_text=True)
    r = secretary.post(
        url,
        data={"csrf_token": token, "decision": "approve", "ids": [*pending, published]},
        headers=headers,
    )
    assert r.status_code == 200 and r.headers.get("HX-Refresh") == "true"
    page = secretary.get(f"/console/branches/{branch}/wishes?status=").get_data(as_text=True)
    assert "已通过审核并发布 2 条" in page
    assert f"1 条未能通过审核并发布：\n#{published}：" in page
    for wish_id in pending:
        got = app.test_client().get(f"/api/v1/wishes/{wish_id}", headers=bearer(app, "secretary"))
        assert got.get_json()["status"] == "open"


def test_bulk_points_decision_skips_what_is_not_the_clerks(app, demo):
    """批量批准 on 审计: the waiting requests are approved with one 审批意见; one decided before
    is reported (not decided again); without a 审批意见 nothing happens."""
    with app.app_context():
        waiting = list(
            db.session.scalars(db.select(PointsRequest.id).where(PointsRequest.status == "pending"))
        )
        decided = db.session.scalar(
            db.select(PointsRequest.id).where(PointsRequest.status == "rejected")
        )
    assert len(waiting) == 2 and decided
    committee = app.test_client()
    token = client_sign_in(committee, "committee")
    headers = {"HX-Request": "true"}
    url = "/console/points/requests/bulk-decide"
    r = committee.post(
        url, data={"csrf_token": token, "decision": "approve", "ids": waiting}, headers=headers
    )
    assert r.status_code == 422 and "请填写审批意见" in r.get_data(as_text=True)
    r = committee.post(
        url,
        data={
            "csrf_token": token,
            "decision": "approve",
            "ids": [*waiting, decided],
            "reason": "核实无误",
        },
        headers=headers,
    )
    assert r.status_code == 200
    page = committee.get("/console/audit").get_data(as_text=True)
    assert "已批准 2 条" in page and f"#{decided}：" in page
    with app.app_context():
        statuses = dict(db.session.execute(db.select(PointsRequest.id, PointsRequest.status)).all())
    assert [statuses[i] for i in waiting] == ["approved", "approved"]
    assert statuses[decided] == "rejected"


def test_two_bulk_approvals_at_once_decide_each_request_once(app, demo):
    """Only once: two desks bulk-approve the same waiting requests at the same instant; each
    request is approved once, its points reach the ledger once, and every row the loser could
    not decide is reported to it, not counted twice."""
    from models import PointsEntry
    from tests.support.concurrency import fire_at_once

    with app.app_context():
        waiting = list(
            db.session.scalars(db.select(PointsRequest.id).where(PointsRequest.status == "pending"))
        )
        entries_before = db.session.scalar(db.select(db.func.count()).select_from(PointsEntry))
    desks = []
    for _ in range(2):
        client = app.test_client()
        desks.append((client, client_sign_in(client, "committee")))

    def approve(i: int) -> int:
        client, token = desks[i]
        return client.post(
            "/console/points/requests/bulk-decide",
            data={"csrf_token": token, "decision": "approve", "ids": waiting, "reason": "同意"},
            headers={"HX-Request": "true"},
        ).status_code

    assert fire_at_once(2, approve) == [200, 200]
    with app.app_context():
        statuses = set(
            db.session.scalars(db.select(PointsRequest.status).where(PointsRequest.id.in_(waiting)))
        )
        entries = db.session.scalar(db.select(db.func.count()).select_from(PointsEntry))
    assert statuses == {"approved"}
    assert entries == entries_before + len(waiting)
    pages = [client.get("/console/audit").get_data(as_text=True) for client, _ in desks]
    won = [int(re.search(r"已批准 (\d+) 条", page)[1]) for page in pages]
    assert sum(won) == len(waiting)  # each desk told what it did, together every request once
    reported = sum(page.count(f"#{i}：") for page in pages for i in waiting)
    assert reported == len(waiting)  # and what it could not, row by row
