"""Phones in the console (issue 9): masked as the API masks them, shown only to whom the API
shows them."""

from __future__ import annotations

from models import Person, db
from tests.console.sign_in import client_sign_in


def test_roster_page_masks_phones_like_the_api(app, demo):
    """Issue 9: the API lists people without their phone and asks only for its last four digits,
    so 花名册 shows 138****0001 and a search by phone finds by those four digits only."""
    with app.app_context():
        person = db.session.get(Person, demo["people"]["D0003"])
        phone, employee_no = person.phone, person.employee_no
    assert len(phone) == 11
    committee = app.test_client()
    client_sign_in(committee, "committee")
    html = committee.get("/console/roster?page_size=100").get_data(as_text=True)
    assert phone not in html
    assert f"{phone[:3]}****{phone[-4:]}" in html
    found = committee.get(f"/console/roster?q={phone[-4:]}").get_data(as_text=True)
    assert employee_no in found and phone not in found
    probe = committee.get(f"/console/roster?q={phone[:7]}").get_data(as_text=True)
    assert employee_no not in probe


def test_wish_drawer_shows_phones_only_to_whom_the_api_does(app, demo):
    """Issue 9: the wish drawer shows the wisher's phone to the branch secretary, as the API's
    wish detail does (wishes.privacy), and the API agrees."""
    from models import Wish
    from tests.console.sign_in import bearer

    with app.app_context():
        wish = db.session.scalar(db.select(Wish).where(Wish.status == "pending_review"))
        wish_id, branch_id, phone = wish.id, wish.branch_id, wish.wisher.phone
    secretary = app.test_client()
    client_sign_in(secretary, "secretary")
    html = secretary.get(f"/console/branches/{branch_id}/wishes/{wish_id}").get_data(as_text=True)
    api = app.test_client().get(f"/api/v1/wishes/{wish_id}", headers=bearer(app, "secretary"))
    assert api.get_json()["wisher"]["phone"] == phone
    assert phone in html
