"""`flask demo` shows wishes in every status; the wishes and jobs commands run."""

from __future__ import annotations

from datetime import timedelta

from models import WISH_STATUSES, Wish, db, utcnow


def test_demo_has_every_status_and_the_jobs_run(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        statuses = set(db.session.scalars(db.select(Wish.status).distinct()))
    assert statuses == set(WISH_STATUSES)
    assert "already seeded" in runner.invoke(args=["demo"]).output

    result = runner.invoke(args=["wishes", "expire-claims"])
    assert result.exit_code == 0 and "0 claim(s) expired, 1 reminder(s) queued" in result.output

    with app.app_context():
        db.session.execute(
            db.update(Wish)
            .where(Wish.status == "claimed")
            .values(claim_deadline=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    result = runner.invoke(args=["jobs", "run", "wishes-claim-deadlines"])
    assert result.exit_code == 0 and "'expired': 2" in result.output, result.output
    result = runner.invoke(args=["jobs", "list"])
    assert "notifications-sweep" in result.output


def test_openapi_documents_the_wish_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in (
        "/api/v1/wishes",
        "/api/v1/wishes/{wish_id}/claim",
        "/api/v1/uploads",
        "/api/v1/admin/wishes/export.xlsx",
    ):
        assert path in spec["paths"], path
