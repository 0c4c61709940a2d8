"""The secretary's desk of one branch: log a talk and change or correct one, 必访必谈 events and
their duties, 传帮带 pairs, a wish posted for an employee without a phone (代发心愿); and the
committee's one export of the whole mine's talks and the mine's talk rule.

Every form loads through the domain's schema (a page refuses what the API refuses) and posts
with htmx; the forms carry `novalidate`, so what is missing is said in our words, under the form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import render_template, request
from sqlalchemy.orm import selectinload

from console.auth import branch_or_404, client_ip, committee_or_404, done, principal
from console.blueprint import bp
from console.exports import Column, export_table, when
from console.tables import arg_str, form_value, given, load_form, ordered, paginate, wants_export
from console.views.branch import _month, xlsx
from domain_errors import InvalidInput, NotFound
from inputs import contains
from models import (
    CARE_EVENT_KINDS,
    TALK_MODES,
    TALK_RULE_BASES,
    WISH_CATEGORIES,
    CareEvent,
    Mentorship,
    Pairing,
    Person,
    Talk,
    db,
    utcnow,
)
from models.people import PARTY_STATUSES
from pairings import compliance, duties, exports, mentoring, rules, talks
from pairings.months import SHANGHAI
from pairings.people import get_person
from pairings.schemas import (
    CareEventIn,
    CloseDutyIn,
    EndMentorshipIn,
    MentorAssessmentIn,
    MentorshipIn,
    TalkContentIn,
    TalkRuleIn,
)
from pairings.settings import setting
from web import unit_of_work
from web.downloads import file_name
from wishes import services as wish_services
from wishes.schemas import WishIn

PICK = "请选择"


def _talked_at() -> str:
    """The form's 谈心时间 (a datetime-local, read as Shanghai time) as the API's ISO value."""
    value = form_value("talked_at")
    if not value:
        return ""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=SHANGHAI).isoformat()
    except ValueError:
        raise InvalidInput(errors={"talked_at": ["请填写正确的谈心时间"]}) from None


def _content() -> talks.TalkContent:
    data = load_form(
        TalkContentIn(),
        given(
            talked_at=_talked_at(),
            mode=form_value("mode"),
            place=form_value("place"),
            topics=form_value("topics"),
            concerns=form_value("concerns"),
            follow_up=form_value("follow_up"),
        ),
        messages={
            "talked_at": "请填写谈心时间",
            "mode": "请选择谈心方式",
            "topics": "请填写谈心内容",
        },
    )
    return talks.TalkContent(
        talked_at=data["talked_at"],
        mode=data["mode"],
        topics=data["topics"],
        place=data["place"],
        concerns=data["concerns"],
        follow_up=data["follow_up"],
    )


def _active_pairings(branch_id: int) -> list[Pairing]:
    return list(
        db.session.scalars(
            db.select(Pairing)
            .where(Pairing.branch_id == branch_id, Pairing.active.is_(True))
            .options(selectinload(Pairing.member), selectinload(Pairing.employee))
            .order_by(Pairing.member_id, Pairing.started_at)
        )
    )


def _branch_people(branch_id: int, *, party: bool | None = None) -> list[Person]:
    stmt = db.select(Person).where(Person.branch_id == branch_id, Person.left_at.is_(None))
    if party is True:
        stmt = stmt.where(Person.political_status.in_(PARTY_STATUSES))
    elif party is False:
        stmt = stmt.where(Person.political_status == "masses")
    return list(db.session.scalars(stmt.order_by(Person.employee_no)))


# --- 谈心: log, change within the lock window, correct after it ---------------------------------


@bp.get("/branches/<int:branch_id>/talks/new")
def desk_talk_form(branch_id: int):
    """The 登记谈心 form in the drawer: a pairing of the branch, or the secretary's own talk."""
    branch = branch_or_404(branch_id)
    return render_template(
        "branch/talk_form.html",
        branch=branch,
        pairings=_active_pairings(branch.id),
        employees=_branch_people(branch.id, party=False),
        modes=TALK_MODES,
        now=utcnow().astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
        can_write=branch.id in principal().secretary_of,
    )


@bp.post("/branches/<int:branch_id>/talks")
def desk_talk_log(branch_id: int):
    """Log a talk a member of the branch held (or the secretary's own, with an employee)."""
    branch = branch_or_404(branch_id)
    pick = form_value("pairing")
    member_id: int | None = None
    if pick == "self":
        employee_id = _int_field("employee_id", "请选择谈心的职工")
    else:
        pairing = db.session.get(Pairing, _int_field("pairing", "请选择结对（党员 — 职工）"))
        if pairing is None or pairing.branch_id != branch.id or not pairing.active:
            raise InvalidInput(errors={"pairing": ["请选择本支部正在进行的结对"]})
        member_id, employee_id = pairing.member_id, pairing.employee_id
    talk = talks.log_talk(principal(), employee_id, _content(), member_id=member_id)
    unit_of_work.flush()
    closed = db.session.scalar(
        db.select(db.func.count())
        .select_from(CareEvent)
        .where(CareEvent.closing_talk_id == talk.id)
    )
    extra = f"，办结必访必谈 {closed} 项" if closed else ""
    note = compliance.talk_counts_note(talk)
    extra += f"。注意：{note}" if note else ""
    return done(f"已登记谈心：{talk.member.name} — {talk.employee.name}{extra}")


def _int_field(name: str, message: str) -> int:
    value = form_value(name)
    if not value.isdigit() or not 0 < int(value) < 2**31:
        raise InvalidInput(errors={name: [message]})
    return int(value)


@bp.post("/branches/<int:branch_id>/talks/<int:talk_id>/edit")
def desk_talk_edit(branch_id: int, talk_id: int):
    """The author changes a record within the lock window (the API's PUT /talks/{id})."""
    branch = branch_or_404(branch_id)
    talk = talks.visible_talk(principal(), talk_id)
    if talk.branch_id != branch.id:
        raise NotFound()
    talks.edit_talk(principal(), talk.id, _content())
    unit_of_work.flush()
    return done(f"谈心记录 #{talk.id} 已修改")


@bp.post("/branches/<int:branch_id>/talks/<int:talk_id>/correct")
def desk_talk_correct(branch_id: int, talk_id: int):
    """A correction: a new record replacing a (locked) one, which stays, marked corrected."""
    branch = branch_or_404(branch_id)
    old = talks.visible_talk(principal(), talk_id)
    if old.branch_id != branch.id:
        raise NotFound()
    new = talks.correct_talk(principal(), old.id, _content())
    unit_of_work.flush()
    return done(f"已提交更正：#{new.id} 更正 #{old.id}")


# --- 必访必谈 ---------------------------------------------------------------------------------

DUTY_TABS = (("open", "待办"), ("overdue", "已逾期"), ("closed", "已办结"), ("all", "全部"))


DUTY_SORTS = {"due_at": CareEvent.due_at, "occurred_on": CareEvent.occurred_on}
DUTY_STATES = {"open": "待办", "overdue": "已逾期", "closed": "已办结"}


def _duty_columns() -> list[Column]:
    now = utcnow()
    return [
        Column("编号", lambda e: e.id, 8),
        Column("职工", lambda e: f"{e.employee.name}（{e.employee.employee_no}）", 18),
        Column("类别", lambda e: duties.FAMILY_LABELS[e.family], 8),
        Column("事项", lambda e: duties.KIND_LABELS[e.kind], 12),
        Column("日期", lambda e: e.occurred_on.isoformat(), 12),
        Column("说明", lambda e: e.note, 40),
        Column("指派", lambda e: e.assignee.name, 12),
        Column("期限", lambda e: duties.due_day(e).isoformat(), 12),
        Column("状态", lambda e: DUTY_STATES[duties.status_of(e, now)], 8),
        Column("办结时间", lambda e: when(e.closed_at), 18),
    ]


@bp.get("/branches/<int:branch_id>/duties")
def desk_duties(branch_id: int):
    """The branch's 必访必谈: record an event, the duties by state (and 事项, 职工), closing
    one; 导出 of the filtered rows."""
    branch = branch_or_404(branch_id)
    p = principal()
    status = arg_str("status", 8, tuple(k for k, _ in DUTY_TABS)) or "open"
    kind = arg_str("kind", 16, tuple(CARE_EVENT_KINDS))
    q = arg_str("q", 32)
    stmt = duties.events_query(p, status, branch_id=branch.id).options(
        selectinload(CareEvent.employee),
        selectinload(CareEvent.assignee),
        selectinload(CareEvent.recorded_by),
    )
    if kind:
        stmt = stmt.where(CareEvent.kind == kind)
    if q:
        stmt = stmt.where(
            CareEvent.employee_id.in_(
                db.select(Person.id).where(
                    db.or_(contains(Person.name, q), contains(Person.employee_no, q))
                )
            )
        )
    if wants_export():
        rows, _, _ = ordered(stmt, DUTY_SORTS, "due_at", "asc", tiebreak=CareEvent.id)
        name = file_name("duties", (branch.name, branch.id), dict(DUTY_TABS)[status])
        return export_table(name, "必访必谈", _duty_columns(), db.session.scalars(rows))
    page = paginate(stmt, DUTY_SORTS, "due_at", "asc", tiebreak=CareEvent.id)
    mine = [e for e in page.items if e.assignee_id == p.person_id and e.closed_at is None]
    return render_template(
        "branch/duties.html",
        branch=branch,
        page=page,
        status=status,
        kind=kind,
        q=q,
        tabs=DUTY_TABS,
        now=utcnow(),
        status_of=duties.status_of,
        due_day=duties.due_day,
        kinds=CARE_EVENT_KINDS,
        kind_labels=duties.KIND_LABELS,
        family_labels=duties.FAMILY_LABELS,
        due_days=duties.due_days(branch.mine_id),
        people=_branch_people(branch.id),
        closing_talks={e.id: _closing_talks(e) for e in mine},
        can_write=branch.id in p.secretary_of,
        today=utcnow().astimezone(SHANGHAI).date().isoformat(),
    )


def _closing_talks(event: CareEvent) -> list[Talk]:
    """The assignee's talks with the employee since the event's day, newest first."""
    rows = db.session.scalars(
        db.select(Talk)
        .where(
            Talk.employee_id == event.employee_id,
            Talk.member_id == event.assignee_id,
            Talk.corrected_by_id.is_(None),
        )
        .order_by(Talk.talked_at.desc())
        .limit(20)
    )
    start = datetime.combine(event.occurred_on, datetime.min.time(), SHANGHAI)
    return [t for t in rows if t.talked_at >= start]


@bp.post("/branches/<int:branch_id>/duties")
def desk_event_record(branch_id: int):
    """Record a 必访必谈 event; its duty goes to the paired member, else the secretary."""
    branch_or_404(branch_id)
    data = load_form(
        CareEventIn(),
        given(
            employee_id=form_value("employee_id"),
            kind=form_value("kind"),
            occurred_on=form_value("occurred_on"),
            note=form_value("note"),
        ),
        messages={"employee_id": "请选择职工", "kind": "请选择事项", "occurred_on": "请填写日期"},
    )
    event = duties.record_event(
        principal(), data["employee_id"], data["kind"], data["occurred_on"], data["note"]
    )
    unit_of_work.flush()
    return done(
        f"已登记：{event.employee.name}{duties.KIND_LABELS[event.kind]}，"
        f"{duties.FAMILY_LABELS[event.family]}任务指派给{event.assignee.name}"
    )


@bp.post("/branches/<int:branch_id>/duties/<int:event_id>/close")
def desk_duty_close(branch_id: int, event_id: int):
    """The assignee closes a duty with the visit or talk that fulfilled it."""
    branch = branch_or_404(branch_id)
    data = load_form(
        CloseDutyIn(), given(talk_id=form_value("talk_id")), messages={"talk_id": "请选择谈心记录"}
    )
    event = duties.visible_event(principal(), event_id)
    if event.branch_id != branch.id:
        raise NotFound()
    duties.close_duty(principal(), event.id, data["talk_id"])
    unit_of_work.flush()
    return done(f"已办结：{event.employee.name}{duties.KIND_LABELS[event.kind]}")


# --- 传帮带 -----------------------------------------------------------------------------------

MENTOR_TABS = (("active", "带徒中"), ("passed", "已出师"), ("ended", "已解除"), ("all", "全部"))


@bp.get("/branches/<int:branch_id>/mentoring")
def desk_mentoring(branch_id: int):
    """The branch's 传帮带 pairs: start one, assess, end; the ledger export."""
    branch = branch_or_404(branch_id)
    status = arg_str("status", 8, tuple(k for k, _ in MENTOR_TABS)) or "active"
    page = paginate(
        mentoring.branch_mentorships(branch.id, status).options(
            selectinload(Mentorship.mentor), selectinload(Mentorship.apprentice)
        ),
        {"starts_on": Mentorship.starts_on, "ends_on": Mentorship.ends_on},
        "starts_on",
        tiebreak=Mentorship.id,
    )
    sessions, stages = mentoring.progress_of([m.id for m in page.items])
    busy = set(
        db.session.scalars(db.select(Mentorship.apprentice_id).where(Mentorship.active.is_(True)))
    )
    return render_template(
        "branch/mentoring.html",
        branch=branch,
        page=page,
        status=status,
        tabs=MENTOR_TABS,
        stages=stages,
        sessions=sessions,
        mentors=_branch_people(branch.id, party=True),
        apprentices=[p for p in _branch_people(branch.id) if p.id not in busy],
        months=setting("MENTORSHIP_MONTHS"),
        can_write=branch.id in principal().secretary_of,
    )


@bp.post("/branches/<int:branch_id>/mentoring")
def desk_mentoring_start(branch_id: int):
    """Start a 传帮带 pair (one mentor per apprentice at a time)."""
    branch_or_404(branch_id)
    data = load_form(
        MentorshipIn(),
        given(
            mentor_id=form_value("mentor_id"),
            apprentice_id=form_value("apprentice_id"),
            skill_goals=form_value("skill_goals"),
            safety_goals=form_value("safety_goals"),
            months=form_value("months"),
        ),
        messages={
            "mentor_id": "请选择师傅",
            "apprentice_id": "请选择徒弟",
            "skill_goals": "请填写技能目标",
            "safety_goals": "请填写安全目标",
        },
    )
    row = mentoring.create_mentorship(
        principal(),
        data["mentor_id"],
        data["apprentice_id"],
        data["skill_goals"],
        data["safety_goals"],
        data.get("months"),
    )
    unit_of_work.flush()
    return done(f"已结成师徒：{row.mentor.name} — {row.apprentice.name}（至 {row.ends_on}）")


def _branch_mentorship(branch_id: int, mentorship_id: int) -> Mentorship:
    branch = branch_or_404(branch_id)
    row = mentoring.visible_mentorship(principal(), mentorship_id)
    if row.branch_id != branch.id:
        raise NotFound()
    return row


@bp.post("/branches/<int:branch_id>/mentoring/<int:mentorship_id>/assess")
def desk_mentoring_assess(branch_id: int, mentorship_id: int):
    """A mid-term or final assessment (passed / extended)."""
    row = _branch_mentorship(branch_id, mentorship_id)
    data = load_form(
        MentorAssessmentIn(),
        given(
            stage=form_value("stage"),
            result=form_value("result"),
            comment=form_value("comment"),
        ),
        messages={"stage": "请选择考核", "result": "请选择结果"},
    )
    item = mentoring.assess(principal(), row.id, data["stage"], data["result"], data["comment"])
    unit_of_work.flush()
    return done(
        f"{row.apprentice.name}{mentoring.STAGE_LABELS[item.stage]}："
        f"{mentoring.RESULT_LABELS[item.result]}"
    )


@bp.post("/branches/<int:branch_id>/mentoring/<int:mentorship_id>/end")
def desk_mentoring_end(branch_id: int, mentorship_id: int):
    """End a pair early (the record stays)."""
    row = _branch_mentorship(branch_id, mentorship_id)
    data = load_form(EndMentorshipIn(), given(note=form_value("note")))
    mentoring.end_mentorship(principal(), row.id, data["note"])
    unit_of_work.flush()
    return done(f"已解除师徒：{row.mentor.name} — {row.apprentice.name}")


@bp.get("/branches/<int:branch_id>/mentoring/export.xlsx")
def desk_mentoring_export(branch_id: int):
    """The branch's 传帮带 ledger."""
    branch = branch_or_404(branch_id)
    return xlsx(
        exports.mentoring_ledger([branch]), file_name("mentoring", (branch.name, branch.id))
    )


# --- 代发心愿 ---------------------------------------------------------------------------------


@bp.get("/branches/<int:branch_id>/wishes/on-behalf")
def desk_wish_form(branch_id: int):
    """The 代发心愿 form in the drawer: the employee is the wisher, the secretary the author."""
    branch = branch_or_404(branch_id)
    return render_template(
        "branch/wish_behalf_form.html",
        branch=branch,
        employees=_branch_people(branch.id, party=False),
        categories=WISH_CATEGORIES,
    )


@bp.post("/branches/<int:branch_id>/wishes/on-behalf")
def desk_wish_post(branch_id: int):
    """Post a wish for an employee without a phone; it goes to review like any other."""
    branch = branch_or_404(branch_id)
    employee_id = _int_field("employee_id", "请选择许愿的职工")
    data = load_form(
        WishIn(),
        given(
            title=form_value("title"),
            content=request.form.get("content", "").strip(),
            category=form_value("category"),
        ),
        messages={"title": "请填写心愿标题", "content": "请填写心愿内容", "category": "请选择类别"},
    )
    p = principal()
    employee = get_person(employee_id, branch.mine_id)
    if employee is None or employee.left_at is not None:
        raise InvalidInput(errors={"employee_id": ["请选择本支部在册的职工"]})
    wish = wish_services.submit_wish(
        p.require_bound(),
        data["title"],
        data["content"],
        data["category"],
        on_behalf_of=employee,
    )
    unit_of_work.flush()
    return done(f"已代{employee.name}发布心愿「{wish.title}」，待审核")


# --- the committee: the whole mine's talks, the talk rule --------------------------------------


@bp.get("/mine/talks/export.xlsx")
def desk_mine_talks_export():
    """Every branch's talk records of a month in one file; every record in it is logged."""
    mine_id = committee_or_404()
    month = _month()
    data = exports.mine_talk_ledger(principal(), mine_id, month, client_ip())
    return xlsx(data, file_name("talks", ("全矿", "mine"), month))


@bp.get("/mine/talk-rule")
def desk_talk_rule():
    """The mine's monthly talk rule: this month's, next month's if changed, every change."""
    mine_id = committee_or_404()
    view = rules.rule_view(mine_id)
    setters = talks.people_names({r.set_by_id for r in view.history if r.set_by_id})
    return render_template(
        "mine/talk_rule.html",
        view=view,
        setters=setters,
        bases=TALK_RULE_BASES,
        labels=rules.BASIS_LABELS,
    )


@bp.post("/mine/talk-rule")
def desk_talk_rule_set():
    """Change the rule from the next month on (this month is never re-judged)."""
    committee_or_404()
    data: dict[str, Any] = load_form(
        TalkRuleIn(),
        given(basis=form_value("basis"), required=form_value("required"), note=form_value("note")),
        messages={"basis": "请选择谈心要求", "required": "每月次数应为 1 到 10"},
    )
    row = rules.set_rule(principal(), data["basis"], data["required"], data["note"])
    unit_of_work.flush()
    return done(f"已设定：自 {row.effective_month} 起{rules.rule_of(row).label}")
