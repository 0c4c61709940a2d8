"""Sheet templates: versioned, never edited in place. Saving a template under a name the mine
already uses makes the next version; a month keeps the version it opened with, so a change
never reaches a past (or running) month. The non-veto items add up to exactly 100; a veto item
(一票否决) carries 0 points. On a 六型班组 template (kind group) an item without an office
(`office_id` null) is scored by the assessed 班组's own 区队. The caller commits."""

from __future__ import annotations

from typing import Any

from accounts.principal import Principal
from assessments import access
from assessments.defaults import (
    GROUP_EXAMPLE,
    GROUP_EXAMPLE_NAME,
    GROUP_EXAMPLE_VETOES,
    PARENT,
    TEAM_EXAMPLE,
    TEAM_EXAMPLE_NAME,
    TEAM_EXAMPLE_VETOES,
)
from assessments.errors import (
    InvalidTemplate,
    NotAnOffice,
    TemplateConflict,
    TemplateNotFound,
    TemplateNotHundred,
)
from models import SheetItem, SheetTemplate, Unit, db
from models.unit_of_work import insert_once

TOTAL = 100


def check_items(mine_id: int, items: list[dict[str, Any]], kind: str = "team") -> None:
    """The rules every version obeys (the API and the console refuse the same way)."""
    if not items:
        raise InvalidTemplate(errors={"items": ["至少需要一个考核项目"]})
    named = sorted({int(i["office_id"]) for i in items if i.get("office_id") is not None})
    offices = {
        u.id: u
        for u in db.session.scalars(
            db.select(Unit).where(Unit.mine_id == mine_id, Unit.id.in_(named or [0]))
        )
    }
    for n, item in enumerate(items):
        if item.get("office_id") is None:
            if kind != "group":
                raise NotAnOffice(
                    "区队考核表的每一项都须由机关科室考核",
                    errors={f"items.{n}.office_id": ["须填写考核科室"]},
                )
            continue  # scored by the 班组's own 区队
        office = offices.get(int(item["office_id"]))
        if office is None or office.kind != "office":
            raise NotAnOffice(errors={f"items.{n}.office_id": ["不是本矿的机关科室"]})
        if item.get("veto"):
            if item["max_points"] != 0:
                raise InvalidTemplate(errors={f"items.{n}.max_points": ["一票否决项的分值为 0"]})
        elif not 1 <= item["max_points"] <= TOTAL:
            raise InvalidTemplate(errors={f"items.{n}.max_points": ["分值须在 1 到 100 之间"]})
    total = sum(i["max_points"] for i in items if not i.get("veto"))
    if total != TOTAL:
        raise TemplateNotHundred(
            f"考核表各项分值合计必须正好是 100 分（现为 {total} 分）",
            errors={"items": [f"合计 {total} 分"]},
        )


def save(
    principal: Principal,
    name: str,
    items: list[dict[str, Any]],
    kind: str = "team",
    *,
    is_example: bool = False,
) -> SheetTemplate:
    """A new template, or the next version of the mine's template of that name."""
    me = access.committee(principal)
    return _save(me.mine_id, me.id, name.strip(), items, kind, is_example)


def _save(
    mine_id: int,
    author_id: int | None,
    name: str,
    items: list[dict[str, Any]],
    kind: str,
    is_example: bool,
) -> SheetTemplate:
    check_items(mine_id, items, kind)
    latest = db.session.scalar(
        db.select(db.func.max(SheetTemplate.version)).where(
            SheetTemplate.mine_id == mine_id, SheetTemplate.name == name
        )
    )
    template = SheetTemplate(
        mine_id=mine_id,
        kind=kind,
        name=name,
        version=(latest or 0) + 1,
        is_example=is_example,
        created_by_id=author_id,
    )
    if not insert_once(template):  # the same name saved at the same instant
        raise TemplateConflict()
    for position, item in enumerate(items, start=1):
        db.session.add(
            SheetItem(
                template_id=template.id,
                position=position,
                group_name=item["group"].strip(),
                title=item["title"].strip(),
                rule=(item.get("rule") or "").strip(),
                max_points=item["max_points"],
                office_id=None if item.get("office_id") is None else int(item["office_id"]),
                veto=bool(item.get("veto")),
            )
        )
    db.session.flush()
    db.session.refresh(template)
    return template


def office_named(mine_id: int, name: str) -> Unit:
    """The mine's office of that name, made (kind office) when the mine has no unit so named;
    an existing unit of that name becomes an office."""
    unit = db.session.scalar(db.select(Unit).where(Unit.mine_id == mine_id, Unit.name == name))
    if unit is None:
        unit = Unit(mine_id=mine_id, name=name, kind="office")
        db.session.add(unit)
        db.session.flush()
    elif unit.kind != "office":
        unit.kind = "office"
    return unit


def install_example(
    mine_id: int, author_id: int | None = None, kind: str = "team"
) -> SheetTemplate:
    """The shipped 六好区队 (kind team) or 六型班组 (kind group) example for a mine (its
    offices found or made by name; the group sheet's 区队-scored items have no office); a
    mine that already has it keeps its versions."""
    name, rows, vetoes = (
        (GROUP_EXAMPLE_NAME, GROUP_EXAMPLE, GROUP_EXAMPLE_VETOES)
        if kind == "group"
        else (TEAM_EXAMPLE_NAME, TEAM_EXAMPLE, TEAM_EXAMPLE_VETOES)
    )
    existing = db.session.scalar(
        db.select(SheetTemplate)
        .where(SheetTemplate.mine_id == mine_id, SheetTemplate.name == name)
        .order_by(SheetTemplate.version.desc())
        .limit(1)
    )
    if existing is not None:
        return existing

    def office_id(office: str) -> int | None:
        return None if office == PARENT else office_named(mine_id, office).id

    items: list[dict[str, Any]] = [
        {
            "group": group,
            "title": title,
            "max_points": points,
            "office_id": office_id(office),
            "rule": rule,
            "veto": False,
        }
        for group, title, points, office, rule in rows
    ]
    items += [
        {
            "group": "一票否决",
            "title": title,
            "max_points": 0,
            "office_id": office_id(office),
            "rule": rule,
            "veto": True,
        }
        for title, office, rule in vetoes
    ]
    return _save(mine_id, author_id, name, items, kind, True)


def get(principal: Principal, template_id: int) -> SheetTemplate:
    me = access.committee(principal)
    template = db.session.get(SheetTemplate, template_id)
    if template is None or template.mine_id != me.mine_id:
        raise TemplateNotFound()
    return template


def groups(template: SheetTemplate) -> list[dict[str, Any]]:
    """The six 好 in order, each with its weight (the sum of its items' points)."""
    out: dict[str, dict[str, Any]] = {}
    for item in template.items:
        group = out.setdefault(item.group_name, {"name": item.group_name, "weight": 0})
        group["weight"] += item.max_points
    return list(out.values())


def listing(principal: Principal) -> list[SheetTemplate]:
    me = access.committee(principal)
    return list(
        db.session.scalars(
            db.select(SheetTemplate)
            .where(SheetTemplate.mine_id == me.mine_id)
            .order_by(SheetTemplate.name, SheetTemplate.version.desc())
        )
    )
