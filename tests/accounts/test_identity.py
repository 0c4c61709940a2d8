"""Login, binding, /me and tokens."""

from __future__ import annotations

from datetime import timedelta

from accounts.tokens import issue_token
from models import Account, AuthSession, BindAudit, db, utcnow
from tests.support.concurrency import fire_at_once


def login(client, code: str = "demo:alice"):
    return client.post("/api/v1/auth/login", json={"code": code})


def test_demo_login_then_bind_then_me(client, world):
    branch = world.branch(name="综采一队党支部")
    person = world.member(branch, name="王建国", phone="13800001234", employee_no="G1001")
    r = login(client)
    assert r.status_code == 200, r.json
    assert r.json["user"]["bound"] is False and r.json["expires_in"] > 0
    headers = {"Authorization": f"Bearer {r.json['token']}"}

    r = client.post(
        "/api/v1/auth/bind",
        json={"employee_no": "G1001", "name": "王建国", "phone_tail": "1234"},
        headers=headers,
    )
    assert r.status_code == 200, r.json
    me = client.get("/api/v1/me", headers=headers).json
    assert me["id"] == person.id and me["bound"] is True
    assert me["branch"] == {"id": branch.id, "name": "综采一队党支部"}
    assert me["political_status"] == "member" and me["roles"] == ["employee", "member"]
    assert "session_key" not in str(me)


def test_login_twice_is_the_same_account(client, app):
    a = login(client, "demo:bob").json
    b = login(client, "demo:bob").json
    assert a["token"] != b["token"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Account)) == 1


def test_bind_mismatch_names_no_detail(client, world):
    world.person(name="李四", phone="13900005678", employee_no="G2")
    headers = {"Authorization": "Bearer " + login(client).json["token"]}
    for body in (
        {"employee_no": "G2", "name": "李四", "phone_tail": "0000"},
        {"employee_no": "G2", "name": "张三", "phone_tail": "5678"},
        {"employee_no": "NOPE", "name": "李四", "phone_tail": "5678"},
    ):
        r = client.post("/api/v1/auth/bind", json=body, headers=headers)
        assert r.status_code == 422 and r.json["reason"] == "roster_mismatch"


def test_entry_bound_to_another_account_is_409(client, world):
    world.person(name="李四", phone="13900005678", employee_no="G3")
    body = {"employee_no": "G3", "name": "李四", "phone_tail": "5678"}
    h1 = {"Authorization": "Bearer " + login(client, "demo:one").json["token"]}
    h2 = {"Authorization": "Bearer " + login(client, "demo:two").json["token"]}
    assert client.post("/api/v1/auth/bind", json=body, headers=h1).status_code == 200
    assert client.post("/api/v1/auth/bind", json=body, headers=h1).status_code == 200  # same again
    r = client.post("/api/v1/auth/bind", json=body, headers=h2)
    assert r.status_code == 409 and r.json["reason"] == "already_bound"


def test_bound_account_cannot_take_a_second_entry(client, world):
    world.person(name="甲", phone="13900000001", employee_no="G4")
    world.person(name="乙", phone="13900000002", employee_no="G5")
    h = {"Authorization": "Bearer " + login(client).json["token"]}
    client.post(
        "/api/v1/auth/bind",
        json={"employee_no": "G4", "name": "甲", "phone_tail": "0001"},
        headers=h,
    )
    r = client.post(
        "/api/v1/auth/bind",
        json={"employee_no": "G5", "name": "乙", "phone_tail": "0002"},
        headers=h,
    )
    assert r.status_code == 409 and r.json["reason"] == "account_already_bound"


def test_twenty_accounts_bind_one_entry_at_the_same_instant(app, world):
    person = world.person(name="抢绑", phone="13900009999", employee_no="RACE1")
    tokens = []
    for i in range(20):
        c = app.test_client()
        tokens.append(login(c, f"demo:racer{i}").json["token"])

    def bind(i: int) -> int:
        return (
            app.test_client()
            .post(
                "/api/v1/auth/bind",
                json={"employee_no": "RACE1", "name": "抢绑", "phone_tail": "9999"},
                headers={"Authorization": f"Bearer {tokens[i]}"},
            )
            .status_code
        )

    codes = fire_at_once(20, bind)
    assert codes.count(200) == 1, codes
    assert set(codes) <= {200, 409}
    with app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(Account)
                .where(Account.person_id == person.id)
            )
            == 1
        )
        assert db.session.scalar(db.select(db.func.count()).select_from(BindAudit)) == 1


def test_one_account_binds_two_entries_at_the_same_instant(app, world):
    people = [
        world.person(name=f"双{i}", phone=f"1390000100{i}", employee_no=f"DUO{i}") for i in range(2)
    ]
    token = login(app.test_client(), "demo:greedy").json["token"]

    def bind(i: int) -> int:
        p = people[i]
        return (
            app.test_client()
            .post(
                "/api/v1/auth/bind",
                json={"employee_no": p.employee_no, "name": p.name, "phone_tail": p.phone[-4:]},
                headers={"Authorization": f"Bearer {token}"},
            )
            .status_code
        )

    codes = fire_at_once(2, bind)
    assert sorted(codes) == [200, 409], codes


def test_repeated_bind_failures_are_rate_limited_per_account(app, client, world):
    world.person(name="李四", phone="13900005678", employee_no="G6")
    h = {"Authorization": "Bearer " + login(client).json["token"]}
    bad = {"employee_no": "G6", "name": "李四", "phone_tail": "0000"}
    codes = [client.post("/api/v1/auth/bind", json=bad, headers=h).status_code for _ in range(6)]
    assert codes[:5] == [422] * 5 and codes[5] == 429
    r = client.post("/api/v1/auth/bind", json=bad, headers=h)
    assert r.json["reason"] == "rate_limited"
    assert 0 < int(r.headers["Retry-After"]) <= 15 * 60
    # Another account on another address is not affected.
    h2 = {"Authorization": "Bearer " + login(client, "demo:other").json["token"]}
    r = client.post(
        "/api/v1/auth/bind", json=bad, headers=h2, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert r.status_code == 422


def test_bind_failures_are_rate_limited_per_ip_across_accounts(app, client, world):
    old = app.config["BIND_FAILURE_IP_LIMITS"]
    app.config["BIND_FAILURE_IP_LIMITS"] = "3 per 15 minutes"
    try:
        world.person(name="李四", phone="13900005678", employee_no="G7")
        bad = {"employee_no": "G7", "name": "李四", "phone_tail": "0000"}
        codes = []
        for i in range(4):
            h = {"Authorization": "Bearer " + login(client, f"demo:ip{i}").json["token"]}
            codes.append(client.post("/api/v1/auth/bind", json=bad, headers=h).status_code)
        assert codes == [422, 422, 422, 429]
    finally:
        app.config["BIND_FAILURE_IP_LIMITS"] = old


def test_successful_binds_do_not_count_against_the_limit(app, world):
    for i in range(8):
        p = world.person(name=f"人{i}", phone=f"1390000200{i}", employee_no=f"OK{i}")
        c = app.test_client()
        h = {"Authorization": "Bearer " + login(c, f"demo:okay{i}").json["token"]}
        r = c.post(
            "/api/v1/auth/bind",
            headers=h,
            json={"employee_no": p.employee_no, "name": p.name, "phone_tail": p.phone[-4:]},
        )
        assert r.status_code == 200


def test_no_token_bad_token_tampered_token(client):
    r = client.get("/api/v1/me")
    assert r.status_code == 401 and r.json["reason"] == "login_required"
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json["reason"] == "token_invalid"
    r = client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401
    token = login(client).json["token"]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tampered}"})
    assert r.status_code == 401 and r.json["reason"] == "token_invalid"


def test_token_signed_with_another_key_is_invalid(app, client):
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("another-key", salt="frontline.auth.v1").dumps({"sid": "x"})
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and r.json["reason"] == "token_invalid"


def test_expired_token(app, client, world):
    account = world.account()
    with app.app_context():
        token, _ = issue_token(db.session.get(Account, account.id), None, None)
        s = db.session.scalar(db.select(AuthSession).where(AuthSession.account_id == account.id))
        s.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json["reason"] == "token_expired"


def test_token_older_than_ttl_is_expired_by_signature(app, client, world):
    account = world.account()
    with app.app_context():
        token, _ = issue_token(db.session.get(Account, account.id), None, None)
        db.session.commit()
    app.config["TOKEN_TTL_SECONDS"] = -1
    try:
        r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401 and r.json["reason"] == "token_expired"
    finally:
        app.config["TOKEN_TTL_SECONDS"] = 7 * 24 * 3600


def test_logout_revokes_the_token(client):
    token = login(client).json["token"]
    h = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=h).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=h).status_code == 204
    r = client.get("/api/v1/me", headers=h)
    assert r.status_code == 401 and r.json["reason"] == "token_revoked"


def test_unbind_by_committee_frees_the_entry_and_revokes_tokens(client, world):
    branch = world.branch()
    boss = world.committee()
    p = world.person(branch, name="换机", phone="13900004321", employee_no="G8")
    old = {"Authorization": "Bearer " + login(client, "demo:oldphone").json["token"]}
    body = {"employee_no": "G8", "name": "换机", "phone_tail": "4321"}
    assert client.post("/api/v1/auth/bind", json=body, headers=old).status_code == 200
    r = client.post(f"/api/v1/admin/people/{p.id}/unbind", headers=world.headers(boss))
    assert r.status_code == 200 and r.json == {"unbound": True}
    assert client.get("/api/v1/me", headers=old).json["reason"] == "token_revoked"
    new = {"Authorization": "Bearer " + login(client, "demo:newphone").json["token"]}
    assert client.post("/api/v1/auth/bind", json=body, headers=new).status_code == 200


def test_unbind_needs_committee(client, world):
    p = world.person()
    r = client.post(f"/api/v1/admin/people/{p.id}/unbind", headers=world.headers(world.member()))
    assert r.status_code == 403 and r.json["reason"] == "forbidden"


def test_unbound_account_is_refused_where_binding_is_needed(client, world):
    branch = world.branch()
    h = {"Authorization": "Bearer " + login(client).json["token"]}
    r = client.get(f"/api/v1/branches/{branch.id}/people", headers=h)
    assert r.status_code == 403 and r.json["reason"] == "not_bound"


def test_demo_login_refused_when_wechat_is_configured(wechat_app):
    r = wechat_app.test_client().post("/api/v1/auth/login", json={"code": "demo:alice"})
    assert r.status_code == 401 and r.json["reason"] == "wechat_code_invalid"


def test_branch_people_for_secretary_and_committee_only(client, world):
    branch = world.branch()
    other = world.branch()
    sec = world.secretary(branch)
    world.person(branch, name="张三")
    world.person(other, name="李四")
    r = client.get(f"/api/v1/branches/{branch.id}/people", headers=world.headers(sec))
    assert r.status_code == 200
    names = {p["name"] for p in r.json}
    assert "张三" in names and "李四" not in names
    assert all(set(p) >= {"id", "employee_no", "unit", "care_flags"} for p in r.json)
    r = client.get(f"/api/v1/branches/{branch.id}/people?q=张", headers=world.headers(sec))
    assert [p["name"] for p in r.json] == ["张三"]
    assert (
        client.get(f"/api/v1/branches/{other.id}/people", headers=world.headers(sec)).status_code
        == 404
    )
    boss = world.committee()
    assert (
        client.get(f"/api/v1/branches/{other.id}/people", headers=world.headers(boss)).status_code
        == 200
    )
    member = world.member(branch)
    assert (
        client.get(
            f"/api/v1/branches/{branch.id}/people", headers=world.headers(member)
        ).status_code
        == 403
    )


def test_me_answers_exactly_what_the_user_schema_dumps(app, client, world):
    # /me returns user_view as is: UserSchema (which the OpenAPI documents) dumps it unchanged,
    # for a secretary, a person without a branch, an unbound account and one who left.
    from flask import jsonify

    from miniapp_api.schemas import UserSchema

    secretary = world.secretary(world.branch(name="一支部"), name="王书记")
    loner = world.person(name="无支部")
    left = world.person(name="离职者")
    unbound = client.post("/api/v1/auth/login", json={"code": "demo:nobody"}).json["token"]
    headers = [world.headers(secretary), world.headers(loner), world.headers(left)]
    headers.append({"Authorization": f"Bearer {unbound}"})
    with app.app_context():
        from models import Person

        db.session.get(Person, left.id).left_at = utcnow()
        db.session.commit()
    with app.app_context():
        with db.session.no_autoflush:
            db.session.query(Person).filter(Person.id == loner.id).update({"branch_id": None})
            db.session.commit()
    for h in headers:
        for _ in range(2):  # from the database, then from the cache
            r = client.get("/api/v1/me", headers=h)
            assert r.status_code == 200, r.json
            assert UserSchema().dump(r.json) == r.json
            with app.test_request_context():
                assert jsonify(UserSchema().dump(r.json)).get_data() == r.get_data()
    bodies = [client.get("/api/v1/me", headers=h).json for h in headers]
    assert bodies[0]["branch"] == {"id": bodies[0]["branch"]["id"], "name": "一支部"}
    assert bodies[1]["branch"] is None and bodies[1]["bound"] is True
    assert bodies[2]["bound"] is False and bodies[3]["bound"] is False
