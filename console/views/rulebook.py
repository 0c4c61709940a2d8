"""党建积分: the rulebook editor (积分细则: every rule in force, its next version, a new rule
or version from a day on) and the mine's settings (committee), the branch and mine rankings
with the yearly 五型党员 / 五星党支部 ratings to propose and confirm, and a member's points
explained line by line (the rule and the record behind each entry)."""

from __future__ import annotations

from flask import render_template, request

from clock import local_day
from console.auth import branch_or_404, committee_or_404, done, managed_branches, principal
from console.blueprint import bp
from console.tables import arg_int, arg_str, form_value, given, load_form
from domain_errors import InvalidInput, NotFound
from inputs import MAX_ID
from meetings import ratings
from models import CAP_PERIODS, RULE_SOURCES, Person, db, utcnow
from points import ranks, rulebook
from points.ledger import ledger, parse_period
from points.schemas import RuleIn
from web import unit_of_work


@bp.get("/rulebook")
def rulebook_home():
    p = principal()
    p.require("secretary", "committee")
    mine_id = p.person.mine_id
    return render_template(
        "rulebook/home.html",
        rules=rulebook.current(mine_id),
        sources=RULE_SOURCES,
        source_names=rulebook.SOURCE_NAMES,
        cap_periods=CAP_PERIODS,
        settings=rulebook.settings(mine_id),
        requirements=rulebook.requirements(mine_id),
        editable=mine_id in p.committee_of,
        today=local_day(utcnow()),
    )


@bp.get("/rulebook/rules/<code>")
def rulebook_rule(code: str):
    p = principal()
    p.require("secretary", "committee")
    versions = rulebook.history(p.person.mine_id, code[:32])
    return render_template(
        "rulebook/history.html", code=code, versions=versions, source_names=rulebook.SOURCE_NAMES
    )


def _int_or_raw(name: str):
    raw = form_value(name)
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        return raw  # for the schema to refuse


@bp.post("/rulebook")
def rulebook_save():
    committee_or_404()
    data = load_form(
        RuleIn(),
        {
            **given(
                code=form_value("code"),
                name=form_value("name"),
                source=form_value("source"),
                cap_period=form_value("cap_period"),
                effective_from=form_value("effective_from"),
            ),
            "points": _int_or_raw("points"),
            "cap": _int_or_raw("cap"),
            "evidence_required": request.form.get("evidence_required") == "1",
            "second_approver": request.form.get("second_approver") == "1",
            "active": request.form.get("active", "1") == "1",
        },
    )
    rule = rulebook.save(
        principal(),
        data["code"],
        rulebook.RuleFields(
            name=data["name"],
            points=data["points"],
            source=data["source"],
            cap=data["cap"],
            cap_period=data["cap_period"],
            evidence_required=data["evidence_required"],
            second_approver=data["second_approver"],
            active=data["active"],
        ),
        data["effective_from"],
    )
    unit_of_work.flush()
    return done(f"细则 {rule.code} 已保存，自 {rule.effective_from} 起生效；此前的积分不变")


@bp.post("/rulebook/settings")
def rulebook_settings():
    committee_or_404()
    values: dict = {"publish_ranking": request.form.get("publish_ranking") == "1"}
    for name in ("five_type_threshold", "five_star_threshold"):
        raw = _int_or_raw(name)
        if raw is not None:
            if not isinstance(raw, int) or not 0 <= raw <= 1000:
                raise InvalidInput(errors={name: ["须为 0 到 1000 的整数"]})
            values[name] = raw
    rulebook.save_settings(principal(), **values)
    return done("积分设置已保存")


# --- rankings and ratings ---------------------------------------------------------------------


def _year() -> int:
    return arg_int("year", local_day(utcnow()).year, 2000, 2100)


@bp.get("/rankings")
def rankings_home():
    p = principal()
    p.require("secretary", "committee")
    year = _year()
    period = parse_period(str(year))
    branches = managed_branches()
    branch_id = arg_int("branch_id") or (branches[0].id if branches else None)
    branch = branch_or_404(branch_id) if branch_id else None
    mine_rows = ranks.ranked(p.person.mine_id, None, period) if p.committee_of else []
    branch_rows = ranks.ranked(p.person.mine_id, branch.id, period) if branch else []
    rated = ratings.listed(p, year)
    member_ids = [r.subject_id for r in rated if r.kind == "member_five_type"]
    names = {
        person.id: person.name
        for person in db.session.scalars(db.select(Person).where(Person.id.in_(member_ids or [-1])))
    }
    return render_template(
        "rulebook/rankings.html",
        year=year,
        branches=branches,
        branch=branch,
        branch_rows=branch_rows,
        mine_rows=mine_rows[:50],
        ratings=rated,
        person_names=names,
        branch_names={b.id: b.name for b in branches},
    )


@bp.post("/ratings/propose")
def ratings_propose():
    committee_or_404()
    year = _year()
    rows = ratings.propose(principal(), year)
    unit_of_work.flush()
    return done(f"已按细则阈值生成 {year} 年评定建议 {len(rows)} 项，待党委确认")


@bp.post("/ratings/<int:rating_id>/decide")
def ratings_decide(rating_id: int):
    committee_or_404()
    if not 0 < rating_id <= MAX_ID:
        raise NotFound("页面不存在或无权查看")
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        raise InvalidInput(errors={"decision": ["请选择确认或不通过"]})
    ratings.decide(principal(), rating_id, decision == "approve")
    return done("评定已确认" if decision == "approve" else "评定未通过")


# --- a member's points explained ------------------------------------------------------------------


@bp.get("/points/explained/<int:person_id>")
def points_explained(person_id: int):
    """Every entry of a member over a period with the rule and record behind it."""
    p = principal()
    person = db.session.get(Person, person_id) if 0 < person_id <= MAX_ID else None
    if person is None or not p.manages_branch(person.branch_id, person.mine_id):
        raise NotFound("页面不存在或无权查看")
    period = parse_period(arg_str("period", 8) or None)
    total, entries = ledger(person.id, period)
    return render_template(
        "rulebook/explained.html",
        person=person,
        period=period,
        total=total,
        entries=entries,
        source_names=rulebook.SOURCE_NAMES,
    )
