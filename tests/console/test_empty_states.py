"""Issue 27 item 7: a branch with no pairings at all showed a 50/50 ring with "—" and
"本月已全部完成" above its unpaired members; it now says what is missing."""

from __future__ import annotations

from models import Account, db
from tests.console.sign_in import client_sign_in


def test_a_branch_without_pairings_says_so(app, world):
    branch = world.branch()
    secretary = world.secretary(branch)
    world.member(branch)
    world.person(branch)
    world.account(secretary, openid="demo_lonely-secretary")
    with app.app_context():
        assert db.session.scalar(db.select(Account).where(Account.person_id == secretary.id))
    desk = app.test_client()
    client_sign_in(desk, "lonely-secretary")
    html = desk.get(f"/console/branches/{branch.id}/").get_data(as_text=True)
    assert 'data-empty-chart="chart-compliance"' in html and "尚未结对" in html
    assert "本月已全部完成" not in html
