"""Issue 27 item 13: the demo's hints stay true — the roster entries it offers to bind are
free (a bind with the first one works, and the next hint no longer offers it), and the demo
branch keeps an employee nobody is paired with, whom the hint names."""

from __future__ import annotations

import json

from models import Pairing, Person, db


def _login(client, code: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"code": code})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['token']}"}


def test_the_hints_stay_true_after_a_bind(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "free roster entries to bind" in first.output
    assert "unpaired employees of 综采一队党支部" in first.output
    body = runner.invoke(args=["demo", "--bind-body"]).output.strip()
    entry = json.loads(body)
    client = app.test_client()
    r = client.post("/api/v1/auth/bind", json=entry, headers=_login(client, "demo:hint-one"))
    assert r.status_code == 200, r.get_json()
    after = runner.invoke(args=["demo", "--hints"]).output
    assert entry["employee_no"] not in after
    second = json.loads(runner.invoke(args=["demo", "--bind-body"]).output.strip())
    assert second["employee_no"] != entry["employee_no"]
    r = client.post("/api/v1/auth/bind", json=second, headers=_login(client, "demo:hint-two"))
    assert r.status_code == 200, r.get_json()


def test_the_demo_branch_keeps_an_unpaired_employee(app):
    from pairings import queries

    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    hints = app.test_cli_runner().invoke(args=["demo", "--hints"]).output
    with app.app_context():
        branch_id = db.session.scalar(
            db.select(Person.branch_id).where(Person.employee_no == "D0002")
        )
        unpaired = queries.all_unpaired(branch_id)
        assert unpaired, "新建结对 needs someone to pick"
        assert all(
            db.session.scalar(
                db.select(Pairing.id).where(Pairing.employee_id == p.id, Pairing.ended_at.is_(None))
            )
            is None
            for p in unpaired
        )
        assert unpaired[0].employee_no in hints
