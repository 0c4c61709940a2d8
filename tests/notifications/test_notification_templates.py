"""WECHAT_TEMPLATES in its checked shape: template keywords filled from each kind's data keys,
values shaped to WeChat's keyword types, the build and language named on every message — sent
to the strict fake, which refuses what WeChat refuses."""

from __future__ import annotations

import logging

import pytest

from config import ConfigError
from models import Notification, db
from notifications import delivery, notify
from notifications.delivery import deliver
from notifications.kinds import KINDS
from notifications.templates import load, parse, shape
from tests.support.fake_wechat import keyword_value_ok
from tests.support.wechat import WISH_CLAIMED_KEYWORDS, WISH_CLAIMED_TEMPLATE

SEND = "/cgi-bin/message/subscribe/send"

REVIEWED = {
    "template_id": "TPL-REVIEWED",
    "fields": {
        "thing1": {"from": "title", "type": "thing"},
        "phrase2": {"from": "result", "type": "phrase"},
        "thing3": {"from": "reason", "type": "thing"},
        "time4": {"from": "at", "type": "time"},
    },
}
REMINDER = {
    "template_id": "TPL-TALKS",
    "fields": {
        "date1": {"from": "month", "type": "date"},
        "number2": {"from": "required", "type": "number"},
        "number3": {"from": "done", "type": "number"},
        "date4": {"from": "deadline", "type": "date"},
        "character_string5": {"from": "remind_on", "type": "character_string"},
        "thing6": {"from": "text", "type": "thing"},
    },
}
CLAIMED = {
    "template_id": WISH_CLAIMED_TEMPLATE["template_id"],
    "fields": {
        **WISH_CLAIMED_TEMPLATE["fields"],
        "thing4": {"value": "请在小程序中查看进展", "type": "thing"},
    },
}
WECHAT_KNOWS = {
    "TPL-REVIEWED": ["thing1", "phrase2", "thing3", "time4"],
    "TPL-TALKS": ["date1", "number2", "number3", "date4", "character_string5", "thing6"],
    "TPL-CLAIMED": [*WISH_CLAIMED_KEYWORDS, "thing4"],
}


@pytest.fixture
def wx(wechat_app, fake_wechat):
    fake_wechat.templates.update(WECHAT_KNOWS)
    wechat_app.config["WECHAT_TEMPLATES"] = {
        "wish_reviewed": REVIEWED,
        "talk_reminder": REMINDER,
        "wish_claimed": CLAIMED,
    }
    return wechat_app


def send(
    app, fake, world, kind: str, data: dict, give_consent, page: str | None = None
) -> Notification:
    person = world.member()
    world.account(person, openid=f"oid-{person.id}")
    with app.app_context():
        template = delivery.template_for(kind)
    if template is not None:
        give_consent(fake, person.id, template.template_id, app=app)
    with app.app_context():
        n = notify(person.id, kind, data, page)
        db.session.commit()
        deliver(n.id)
        n = db.session.get(Notification, n.id)
        db.session.expunge(n)
        return n


def test_issue10_2_template_keywords_not_our_keys(wx, world, fake_wechat, give_consent):
    """issue 10 #2: the message carries the template's own keywords (thing1, time2, …), filled
    from our data keys; WeChat answered 47003 to our keys (title, name, at)."""
    n = send(
        wx,
        fake_wechat,
        world,
        "wish_claimed",
        {"title": "书包", "name": "王建国", "at": "2026-05-01 08:30"},
        give_consent,
    )
    assert (n.status, n.last_error) == ("sent", None)
    [(_, _, body)] = fake_wechat.calls_to(SEND)
    assert body["data"] == {
        "thing1": {"value": "书包"},
        "name2": {"value": "王建国"},
        "time3": {"value": "2026年5月1日 08:30"},
        "thing4": {"value": "请在小程序中查看进展"},
    }


def test_issue10_2_plain_template_id_form_is_refused_at_start_up(caplog):
    """issue 10 #2: kind → bare template id sends our keys: refused in production, a warning
    (and the kind not sent) otherwise."""
    config = {"WECHAT_TEMPLATES": {"wish_claimed": "TPL-CLAIMED"}}
    with pytest.raises(ConfigError, match="wish_claimed"):
        load(config, production=True)
    logging.getLogger("notifications.templates").disabled = False
    with caplog.at_level(logging.WARNING):
        assert load(config, production=False) == {}
    assert "wish_claimed" in caplog.text


@pytest.mark.parametrize(
    "entry, problem",
    [
        ({"wish_granted": CLAIMED}, "unknown notification kind"),
        (
            {"wish_claimed": {"template_id": "T", "fields": {"thing1": {"from": "titel"}}}},
            "no data key 'titel'",
        ),
        (
            {"wish_claimed": {"template_id": "T", "fields": {"word1": {"from": "title"}}}},
            "unknown type",
        ),
        (
            {"wish_claimed": {"template_id": "T", "fields": {"number1": {"from": "title"}}}},
            "cannot hold title",
        ),
        (
            {
                "wish_claimed": {
                    "template_id": "T",
                    "fields": {"thing1": {"from": "title", "type": "time"}},
                }
            },
            "is a thing keyword",
        ),  # fmt: skip
        ({"wish_claimed": {"fields": {"thing1": {"from": "title"}}}}, "template_id"),
        (
            {
                "wish_claimed": {
                    "template_id": "T",
                    "fields": {"phrase1": {"value": "已经审核通过"}},
                }
            },
            "does not fit",
        ),
    ],
)
def test_templates_are_checked_against_the_kinds(entry, problem):
    """Unknown kind, source key or type, a type that cannot hold the key: each refused."""
    templates, problems = parse(entry)
    assert templates == {} and len(problems) == 1 and problem in problems[0], problems
    with pytest.raises(ConfigError):
        load({"WECHAT_TEMPLATES": entry}, production=True)


def test_issue10_4_pure_types_receive_valid_values(wx, world, fake_wechat, give_consent):
    """issue 10 #4: number only digits, phrase ≤ 5 汉字, date and time in WeChat's formats, a
    character_string of ASCII; the strict fake accepts every value."""
    n = send(
        wx,
        fake_wechat,
        world,
        "talk_reminder",
        {
            "month": "2026-05",
            "required": 1,
            "done": 0,
            "deadline": "2026-05-31",
            "remind_on": "2026-05-20",
            "text": "本月还需与结对职工谈心 1 次，请在 2026-05-31 前完成并记录",
        },
        give_consent,
    )
    assert (n.status, n.last_error) == ("sent", None)
    [(_, _, body)] = fake_wechat.calls_to(SEND)
    assert body["data"] == {
        "date1": {"value": "2026年5月"},
        "number2": {"value": "1"},
        "number3": {"value": "0"},
        "date4": {"value": "2026年5月31日"},
        "character_string5": {"value": "2026-05-20"},
        "thing6": {"value": "本月还需与结对职工谈心 1 次，请在…"},
    }


def test_issue10_4_empty_reason_is_a_placeholder_not_an_empty_value(
    wx, world, fake_wechat, give_consent
):
    """issue 10 #4: `reason: ""` on an approval was sent empty and refused."""
    n = send(
        wx,
        fake_wechat,
        world,
        "wish_reviewed",
        {"title": "书包", "result": "已通过", "reason": "", "at": "2026-05-01 08:30"},
        give_consent,
    )
    assert (n.status, n.last_error) == ("sent", None)
    [(_, _, body)] = fake_wechat.calls_to(SEND)
    assert body["data"]["thing3"] == {"value": "无"}
    assert body["data"]["phrase2"] == {"value": "已通过"}


def test_issue10_4_values_are_shaped_per_type():
    """Cut with … only where the type allows any character; never empty; no controls."""
    cases = [
        ("thing", "一" * 30, "一" * 19 + "…"),
        ("thing", "第一行\n第二行\x0b", "第一行 第二行"),
        ("thing", "", "无"),
        ("phrase", "已经审核通过了", "已经审核通"),
        ("phrase", "ok!", "无"),
        ("name", "欧阳修文忠公欧阳修文忠公", "欧阳修文忠公欧阳修文"),
        ("name", "党员0", "党员"),
        ("number", 12, "12"),
        ("number", "", "0"),
        ("character_string", "2026-05-20 09:00", "2026-05-2009:00"),
        ("time", "2026-05-01 08:30", "2026年5月1日 08:30"),
        ("date", "2026-05-31", "2026年5月31日"),
        ("date", "2026-05", "2026年5月"),
        ("amount", "12.5", "¥12.5"),
    ]
    for ftype, value, expected in cases:
        shaped = shape(ftype, value)
        assert shaped == expected, (ftype, value, shaped)
        assert keyword_value_ok(ftype, shaped), (ftype, shaped)


def test_every_kind_can_fill_a_thing_template():
    """Every registered kind's sample shapes into values the strict fake accepts."""
    for name, kind in KINDS.items():
        fields = {f"thing{i + 1}": {"from": key} for i, key in enumerate(kind.keys)}
        templates, problems = parse({name: {"template_id": "T", "fields": fields}})
        assert not problems, problems
        for keyword, value in templates[name].render(kind.sample()).items():
            assert keyword_value_ok("thing", value["value"]), (name, keyword, value)


def test_issue10_5_messages_name_the_build_and_language(
    base_config, app, world, fake_wechat, give_consent
):
    """issue 10 #5: without miniprogram_state a trial build's page is 41030 and the message
    `failed`; WECHAT_MINIPROGRAM_STATE=trial sends it to the trial build, in zh_CN."""
    from app import create_app
    from tests.support.wechat import wechat_config

    fake_wechat.templates.update(WECHAT_KNOWS)
    fake_wechat.pages.update(formal=set(), trial={"pages/wishes/detail"})
    templates = {"wish_claimed": CLAIMED}
    data = {"title": "书包", "name": "王建国", "at": "2026-05-01 08:30"}
    page = "pages/wishes/detail?id=7"
    formal = create_app(wechat_config(base_config, fake_wechat, WECHAT_TEMPLATES=templates))
    n = send(formal, fake_wechat, world, "wish_claimed", data, give_consent, page)
    assert n.status == "failed" and n.last_error.startswith("41030"), n.last_error
    trial = create_app(
        wechat_config(
            base_config,
            fake_wechat,
            WECHAT_TEMPLATES=templates,
            WECHAT_MINIPROGRAM_STATE="trial",
        )
    )
    assert trial.config["WECHAT_ENV_VERSION"] == "trial"
    n = send(trial, fake_wechat, world, "wish_claimed", data, give_consent, page)
    assert (n.status, n.last_error) == ("sent", None)
    body = fake_wechat.calls_to(SEND)[-1][2]
    assert body["miniprogram_state"] == "trial" and body["lang"] == "zh_CN"
    assert body["page"] == page


def test_build_settings_must_agree(tmp_path):
    from config import load_settings

    with pytest.raises(ConfigError):
        load_settings(
            str(tmp_path),
            env={"WECHAT_MINIPROGRAM_STATE": "trial", "WECHAT_ENV_VERSION": "release"},
        )
    with pytest.raises(ConfigError):
        load_settings(str(tmp_path), env={"WECHAT_ENV_VERSION": "beta"})
    s = load_settings(str(tmp_path), env={"WECHAT_MINIPROGRAM_STATE": "developer"})
    assert s["WECHAT_ENV_VERSION"] == "develop"
    s = load_settings(str(tmp_path), env={})
    assert (s["WECHAT_MINIPROGRAM_STATE"], s["WECHAT_ENV_VERSION"]) == ("formal", "release")


def test_notify_refuses_unknown_kinds_and_keys(ctx, world):
    person = world.member()
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(person.id, "wish_granted", {"title": "x"})
    with pytest.raises(ValueError, match="titel"):
        notify(person.id, "wish_claimed", {"titel": "x"})


def test_check_templates_cli(wx):
    result = wx.test_cli_runner().invoke(args=["notifications", "check-templates"])
    assert result.exit_code == 0, result.output
    assert "miniprogram_state: formal" in result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("wish_reviewed"))
    assert "TPL-REVIEWED" in line and '"phrase2": {"value": "已通过"}' in line
    assert "wish_submitted (to branch secretary): no template, not sent" in result.output
    wx.config["WECHAT_TEMPLATES"] = {"wish_claimed": "TPL"}
    result = wx.test_cli_runner().invoke(args=["notifications", "check-templates"])
    assert result.exit_code == 1 and "PROBLEM wish_claimed" in result.output


def test_issue10_9_non_json_200_is_not_sent(wx, world, fake_wechat, give_consent):
    """issue 10 #9: a 200 that is not JSON marked the message `sent`; it is retried."""
    fake_wechat.non_json.add(SEND)
    n = send(
        wx,
        fake_wechat,
        world,
        "wish_claimed",
        {"title": "书包", "name": "王建国", "at": "2026-05-01 08:30"},
        give_consent,
    )
    assert n.status == "pending" and n.last_error.startswith("wechat_unavailable"), n.last_error


def test_wechat_minute_quota_is_retried_later(wx, world, fake_wechat, give_consent):
    fake_wechat.fail[SEND] = 45011
    n = send(
        wx,
        fake_wechat,
        world,
        "wish_claimed",
        {"title": "书包", "name": "王建国", "at": "2026-05-01 08:30"},
        give_consent,
    )
    assert n.status == "pending" and n.last_error.startswith("45011"), n.last_error


def test_47003_is_final_and_logged(wx, world, fake_wechat, caplog, give_consent):
    """WeChat refuses the data for good (here: the template has a keyword we do not fill)."""
    logging.getLogger("notifications.delivery").disabled = False
    fake_wechat.templates["TPL-CLAIMED"] = ["thing1", "name2", "time3", "thing4", "thing5"]
    n = send(
        wx,
        fake_wechat,
        world,
        "wish_claimed",
        {"title": "书包", "name": "王建国", "at": "2026-05-01 08:30"},
        give_consent,
    )
    assert n.status == "failed" and n.last_error.startswith("47003"), n.last_error
    assert any(r.levelname == "ERROR" and "47003" in r.getMessage() for r in caplog.records)
