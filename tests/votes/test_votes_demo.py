"""`flask demo` seeds clickable voting campaigns whose tallies agree with the database."""

from models import Campaign, db


def test_demo_seeds_campaigns_in_every_status(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        statuses = sorted(db.session.scalars(db.select(Campaign.status)))
    assert statuses == ["draft", "nominating", "open", "published"]
    assert runner.invoke(args=["votes", "verify-tallies"]).exit_code == 0
    assert "already there" in runner.invoke(args=["demo"]).output
