"""issue 19 item 9: limits are keyed by account (or the console browser) first; the per-IP
limits are only a generous backstop, because a mine's Wi-Fi and the carriers' NAT put hundreds
of miners behind one address."""

from __future__ import annotations


def _login(client, code):
    return {
        "Authorization": "Bearer "
        + client.post("/api/v1/auth/login", json={"code": code}).json["token"]
    }


def test_a_correct_bind_behind_a_busy_nat_is_not_refused(app, client, world):
    """61 miners behind one address each mistype once; the 62nd binds correctly."""
    world.person(name="李四", phone="13900005678", employee_no="NAT1")
    person = world.person(name="王五", phone="13900001111", employee_no="NAT2")
    bad = {"employee_no": "NAT1", "name": "李四", "phone_tail": "0000"}
    for i in range(61):
        r = client.post("/api/v1/auth/bind", json=bad, headers=_login(client, f"demo:nat{i}"))
        assert r.status_code == 422, (i, r.status_code)
    good = {"employee_no": "NAT2", "name": "王五", "phone_tail": "1111"}
    r = client.post("/api/v1/auth/bind", json=good, headers=_login(client, "demo:natok"))
    assert r.status_code == 200, r.json
    assert r.json["user"]["person_id"] == person.id if "person_id" in r.json["user"] else True


def test_one_account_is_still_limited(app, client, world):
    world.person(name="李四", phone="13900005678", employee_no="NAT3")
    bad = {"employee_no": "NAT3", "name": "李四", "phone_tail": "0000"}
    h = _login(client, "demo:natguess")
    codes = [client.post("/api/v1/auth/bind", json=bad, headers=h).status_code for _ in range(6)]
    assert codes == [422] * 5 + [429]
