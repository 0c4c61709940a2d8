"""The shareable poster: a fixed size, Chinese text measured and wrapped inside the card (a
30-character name wraps, never overflows), photos scaled to fit and never stretched (a 20 MP one
within the pixel budget; a missing one drawn as a placeholder), cached until the candidate
changes, never a phone number; a clear 503 without the CJK font."""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image

from votes import poster

NAME_30 = "欧阳" + "德" * 26 + "明华"  # 30 characters


@pytest.fixture
def font(app) -> str:
    return app.config["POSTER_FONT"]


def _data(**kw) -> poster.PosterData:
    base = {
        "heading": "2026年度“六大员”评选",
        "name": "张建国",
        "unit": "综采一队",
        "label": "“安全生产监督员”候选人",
        "story": "十年如一日坚守采煤一线，带头排查隐患三百余条。" * 8,
        "footer": "长按识别小程序码，为TA投票",
        "scene": "c=1&k=1",
    }
    return poster.PosterData(**{**base, **kw})


def _jpeg(size: tuple[int, int], colour=(30, 90, 160)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG", quality=70)
    return buf.getvalue()


def _inside(box, width=poster.WIDTH, height=poster.HEIGHT) -> bool:
    left, top, right, bottom = box
    return 0 <= left and right <= width and 0 <= top and bottom <= height


def test_a_long_name_wraps_inside_the_card(font):
    card = poster.render(_data(name=NAME_30, unit="综" * 40), font, None, None)
    assert card.size == (poster.WIDTH, poster.HEIGHT)
    assert Image.open(io.BytesIO(card.png)).size == (poster.WIDTH, poster.HEIGHT)
    names = sorted(k for k in card.boxes if k.startswith("name."))
    assert names == ["name.0", "name.1"]  # wrapped onto a second line
    for key, box in card.boxes.items():
        assert _inside(box), (key, box)
    for key in names + ["unit.0"]:
        left, _, right, _ = card.boxes[key]
        assert left >= poster.MARGIN - 2 and right <= poster.WIDTH - poster.MARGIN + 2, key
    # Lines never overlap one another, top to bottom.
    tops = [card.boxes[k] for k in ("name.0", "name.1", "label.0", "unit.0", "story.0")]
    assert all(a[3] <= b[1] for a, b in zip(tops, tops[1:], strict=False)), tops
    # The story stops above the code, cut short rather than running into it.
    stories = [card.boxes[k] for k in card.boxes if k.startswith("story.")]
    assert stories and max(b[3] for b in stories) < card.boxes["code"][1]


def test_wrap_cuts_with_an_ellipsis(font):
    from PIL import ImageDraw, ImageFont

    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    f = ImageFont.truetype(font, 40)
    lines = poster.wrap(draw, NAME_30 * 3, f, 300, 2)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(draw.textlength(line, font=f) <= 300 for line in lines)
    assert poster.wrap(draw, "张三", f, 300, 2) == ["张三"]


def test_a_missing_photo_is_a_placeholder_and_a_photo_is_never_stretched(font):
    card = poster.render(_data(), font, None, None)
    assert card.photo_placeholder and card.code_placeholder

    wide = poster.render(_data(), font, _jpeg((900, 300)), None)
    left, top, right, bottom = wide.boxes["photo"]
    assert not wide.photo_placeholder
    assert abs((right - left) / (bottom - top) - 3) < 0.05  # 3:1 kept
    assert right - left == poster.PHOTO_BOX[2] - poster.PHOTO_BOX[0]


def test_a_20_megapixel_photo_is_scaled_within_the_budget(font):
    big = _jpeg((5472, 3648))  # 19.96 MP
    card = poster.render(_data(), font, big, None, max_pixels=24_000_000)
    left, top, right, bottom = card.boxes["photo"]
    assert not card.photo_placeholder
    assert abs((right - left) / (bottom - top) - 5472 / 3648) < 0.02
    # Over the budget (a PNG: no draft decoding): the placeholder, not a decoded bomb.
    buf = io.BytesIO()
    Image.new("RGB", (3000, 3000), "white").save(buf, "PNG")
    card = poster.render(_data(), font, buf.getvalue(), None, max_pixels=4_000_000)
    assert card.photo_placeholder


def test_the_poster_has_no_field_for_a_phone():
    assert not any("phone" in f.name for f in dataclasses.fields(poster.PosterData))


def test_the_candidate_poster_over_http_is_cached_until_the_candidate_changes(
    app, client, world, monkeypatch, new_campaign
):
    setup = new_campaign(per_category=1, categories=("safety",))
    (cid,) = setup.candidates["safety"]
    person = setup.candidate_people[cid]
    viewer = world.headers(world.person(setup.branch))
    url = f"/api/v1/campaigns/{setup.campaign_id}/candidates/{cid}/poster"
    r = client.get(url, headers=viewer)
    assert r.status_code == 200 and r.mimetype == "image/png"
    assert Image.open(io.BytesIO(r.data)).size == (poster.WIDTH, poster.HEIGHT)
    with app.app_context():
        from models import Campaign, Candidate, db

        data = poster.candidate_poster_data(
            db.session.get(Campaign, setup.campaign_id), db.session.get(Candidate, cid)
        )
        assert person.phone not in "".join(dataclasses.astuple(data))

    calls = []
    real = poster.render
    monkeypatch.setattr(poster, "render", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert client.get(url, headers=viewer).data == r.data
    assert calls == []  # served from the cache
    patch = client.patch(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/candidates/{cid}",
        json={"story": "新的事迹：带领班组连续三年零事故。"},
        headers=setup.committee_headers,
    )
    assert patch.status_code == 200, patch.json
    again = client.get(url, headers=viewer)
    assert again.status_code == 200 and calls == [1] and again.data != r.data


def test_without_the_font_a_clear_503(app, client, world, new_campaign):
    setup = new_campaign(per_category=1, categories=("safety",))
    (cid,) = setup.candidates["safety"]
    saved = app.config["POSTER_FONT"]
    app.config["POSTER_FONT"] = "/nonexistent/font.ttc"
    try:
        r = client.get(
            f"/api/v1/campaigns/{setup.campaign_id}/candidates/{cid}/poster",
            headers=setup.committee_headers,
        )
    finally:
        app.config["POSTER_FONT"] = saved
    assert (r.status_code, r.json["reason"]) == (503, "poster_font_missing")
    assert "POSTER_FONT" in r.json["message"]
