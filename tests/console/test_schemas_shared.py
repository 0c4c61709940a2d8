"""Issue 17: one schema per domain for both doors. The API and the console refuse the same bad
input by the same rule, because both load it through the same schema class of the domain
(`votes.schemas`, `pairings.schemas`, `points.schemas`): a spy on the class's `load` sees both
doors, and the bound each door names is the one the schema declares."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pytest

from console.tables import load_form
from domain_errors import InvalidInput
from pairings.schemas import PairingIn
from points.schemas import DELTA_MAX, PointsRequestIn
from tests.console.sign_in import bearer, client_sign_in
from votes.schemas import CampaignIn, QuotasIn, RulesIn

CAMPAIGN = {
    "title": "2027年度“六大员”评选",
    "starts_at": "2027-09-01T08:00:00+08:00",
    "ends_at": "2027-09-15T20:00:00+08:00",
    "categories": ["safety", "reform"],
    "rules": {"per_candidate_per_day": 1, "per_category_per_day": 3},
    "weights": {"votes": 0.5, "points": 0.5},
}
CAMPAIGN_FORM = {
    "title": "2027年度“六大员”评选",
    "starts_at": "2027-09-01T08:00",
    "ends_at": "2027-09-15T20:00",
    "categories": ["safety", "reform"],
    "per_candidate_per_day": "1",
    "per_category_per_day": "3",
    "weight_votes": "0.5",
    "weight_points": "0.5",
}


def _bounds(schema: type[ma.Schema], name: str) -> tuple[Any, Any]:
    """The (min, max) of a field's Range validator, as the schema declares it."""
    (found,) = [
        v for v in schema._declared_fields[name].validators if isinstance(v, ma.validate.Range)
    ]
    return found.min, found.max


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch):
    """Record which doors' input went through a schema class's `load`."""

    def install(schema: type[ma.Schema]) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        original = schema.load

        def load(self, data, *args, **kwargs):
            seen.append(dict(data))
            return original(self, data, *args, **kwargs)

        monkeypatch.setattr(schema, "load", load)
        return seen

    return install


def _console(app, openid: str):
    client = app.test_client()
    token = client_sign_in(client, openid)

    def post(path: str, data: dict[str, Any]):
        return client.post(path, data={"csrf_token": token, **data}, headers={"HX-Request": "true"})

    return post


def _api_errors(r) -> dict[str, Any]:
    assert r.status_code == 422, r.get_data(as_text=True)
    return r.get_json()["errors"]


def test_a_quota_out_of_range_is_refused_by_both_doors_through_campaign_in(app, demo, spy):  # noqa: F811
    seen = spy(CampaignIn)
    lo, hi = _bounds(QuotasIn, "safety")
    api = app.test_client().post(
        "/api/v1/admin/campaigns",
        json={**CAMPAIGN, "quotas": {"safety": hi + 1}},
        headers=bearer(app, "committee"),
    )
    assert "safety" in _api_errors(api)["quotas"]
    page = _console(app, "committee")("/console/campaigns", {**CAMPAIGN_FORM, "quota_safety": "0"})
    assert page.status_code == 422
    assert f"应在 {lo} 到 {hi} 之间" in page.get_data(as_text=True)
    # One load per door, the console's form converted to the API's shape first.
    assert len(seen) == 2
    assert seen[0]["quotas"] == {"safety": hi + 1}
    assert seen[1]["quotas"] == {"safety": "0"} and seen[1]["rules"]["per_candidate_per_day"]
    assert seen[1]["starts_at"] == "2027-09-01T08:00:00+08:00"  # datetime-local as China time


def test_the_daily_vote_limit_is_one_rule_for_both_doors(app, demo, spy):  # noqa: F811
    seen = spy(CampaignIn)
    lo, hi = _bounds(RulesIn, "per_candidate_per_day")
    rules = {**CAMPAIGN["rules"], "per_candidate_per_day": hi + 1}
    api = app.test_client().post(
        "/api/v1/admin/campaigns",
        json={**CAMPAIGN, "rules": rules},
        headers=bearer(app, "committee"),
    )
    api_message = _api_errors(api)["rules"]["per_candidate_per_day"][0]
    assert str(lo) in api_message and str(hi) in api_message
    form = {**CAMPAIGN_FORM, "per_candidate_per_day": str(hi + 1)}
    page = _console(app, "committee")("/console/campaigns", form)
    assert page.status_code == 422
    assert f"应在 {lo} 到 {hi} 之间" in page.get_data(as_text=True)
    assert len(seen) == 2
    # Within the bound both doors go on (to the service, which creates the draft).
    ok = _console(app, "committee")(
        "/console/campaigns", {**form, "per_candidate_per_day": str(hi)}
    )
    assert ok.status_code == 200, ok.get_data(as_text=True)


def test_a_pairing_id_out_of_range_is_refused_by_both_doors(app, demo, spy):  # noqa: F811
    seen = spy(PairingIn)
    employee = demo["people"]["D0007"]
    api = app.test_client().post(
        "/api/v1/pairings",
        json={"member_id": 2**31, "employee_id": employee},
        headers=bearer(app, "secretary"),
    )
    assert "member_id" in _api_errors(api)
    branch = demo["branches"]["综采一队党支部"]
    page = _console(app, "secretary")(
        f"/console/branches/{branch}/pairings",
        {"member_id": str(2**31), "employee_id": str(employee)},
    )
    assert page.status_code == 422 and "请选择" in page.get_data(as_text=True)
    assert len(seen) == 2


def test_a_points_delta_past_the_schema_bound_is_refused_by_both_doors(app, demo, spy):  # noqa: F811
    seen = spy(PointsRequestIn)
    body = {"employee_no": "D0003", "delta": DELTA_MAX + 1, "reason": "主动承担夜班抢修"}
    api = app.test_client().post(
        "/api/v1/admin/points", json=body, headers=bearer(app, "committee")
    )
    assert "delta" in _api_errors(api)
    branch = demo["branches"]["综采一队党支部"]
    page = _console(app, "secretary")(
        f"/console/branches/{branch}/points", {**body, "delta": str(DELTA_MAX + 1)}
    )
    assert page.status_code == 422
    assert f"绝对值不超过 {DELTA_MAX}" in page.get_data(as_text=True)
    assert len(seen) == 2


def test_load_form_keeps_the_rules_words_and_names_the_forms_own(app):
    """A form's own message replaces "required"/"invalid", never a refused character, a length
    or a time range; ranges read as the console has always put them."""
    with app.test_request_context():
        with pytest.raises(InvalidInput) as refused:
            load_form(RulesIn(), {"per_candidate_per_day": "99", "per_category_per_day": "x"})
        assert refused.value.errors == {
            "per_candidate_per_day": ["应在 1 到 10 之间"],
            "per_category_per_day": ["请填写数字"],
        }
        with pytest.raises(InvalidInput) as refused:
            load_form(
                PointsRequestIn(),
                {"employee_no": "D0003", "delta": 0, "reason": "a\x00b"},
                messages={"delta": "分值须为非零整数", "reason": "请填写原因"},
            )
        assert refused.value.errors["delta"] == ["分值须为非零整数"]
        assert refused.value.errors["reason"] == ["含有不允许的字符（U+0000）"]
        assert load_form(RulesIn(), {"per_candidate_per_day": "2"}) == {"per_candidate_per_day": 2}
