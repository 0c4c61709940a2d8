"""区队考核: the committee's month board (区队 × office, submitted or pending, totals, grades,
ranks), the month's objections, the lock, the .xlsx in the paper layout, the template (read
only here: versions are saved through the API's POST /admin/assessments/templates). The board
and the award page carry a kind switch: 区队 (六好区队) or 班组 (六型班组) — the same pages."""

from __future__ import annotations

from flask import render_template, request, url_for

from assessments import (
    access,
    awards,
    exports,
    leaders,
    org,
    photos,
    queries,
    rounds,
    settings,
    templates,
)
from assessments.defaults import PARENT
from assessments.schemas import AwardIn, LeaderDecideIn, ScoreIn, TemplateIn
from console.auth import committee_or_404, done, principal
from console.blueprint import bp
from console.tables import arg_int, arg_str, form_value, given, load_form
from console.views.branch import xlsx
from domain_errors import DomainError, InvalidInput, NotFound
from media.settings import settings as media_settings
from media.store import store_upload
from models import TEMPLATE_KINDS, utcnow
from web import unit_of_work
from web.downloads import file_name

KIND_NAMES = {"team": "区队", "group": "班组"}


def _kind() -> str:
    return arg_str("kind", choices=TEMPLATE_KINDS) or "team"


@bp.get("/assessments")
def assessments_board():
    """The board of the month asked for (default: the newest of the kind asked for, 区队 by
    default), with its objections."""
    mine_id = committee_or_404()
    p = principal()
    kind = _kind()
    month_id = arg_int("month_id")
    if month_id is not None:
        kind = rounds.month_of(mine_id, month_id).kind
    months = queries.months(p, kind)
    month_id = month_id or (months[0].id if months else None)
    if month_id is None:
        return render_template(
            "assessments/board.html", months=[], board=None, kind=kind, kinds=KIND_NAMES
        )
    board = queries.board(p, month_id)
    month = board["month"]
    objections = queries.objections(p, month.id)
    names = {r["team_id"]: r["team"] for r in board["rows"]}
    return render_template(
        "assessments/board.html",
        months=months,
        board=board,
        objections=objections,
        team_names=names,
        kind=kind,
        kinds=KIND_NAMES,
        lock_refusal=rounds.lock_refusal(month, utcnow()) if month.status == "open" else None,
    )


@bp.post("/assessments/<int:month_id>/lock")
def assessments_lock(month_id: int):
    """Lock the month (the API's POST /admin/assessments/months/<id>/lock)."""
    committee_or_404()
    month = rounds.lock(principal(), month_id)
    unit_of_work.flush()
    return done(
        f"{month.month} 考核已锁定，总分、等级和名次为最终结果",
        to=url_for("console.assessments_board", month_id=month_id),
    )


@bp.get("/assessments/<int:month_id>/export.xlsx")
def assessments_export(month_id: int):
    """The month in the paper layout: the ranking, then one sheet per 区队."""
    mine_id = committee_or_404()
    month = rounds.month_of(mine_id, month_id)
    data = exports.month_workbook(principal(), month.id)
    return xlsx(data, file_name(exports.file_kind(month), month.month))


@bp.get("/assessments/<int:month_id>/teams/<int:team_id>")
def assessments_sheet(month_id: int, team_id: int):
    """One 区队's sheet of the month."""
    committee_or_404()
    sheet = queries.sheet(principal(), month_id, team_id, console_photo_url)
    trend = queries.team_trend(principal(), team_id)
    return render_template("assessments/sheet.html", sheet=sheet, trend=trend_chart(trend))


def console_photo_url(upload) -> str:
    """The console's own link to a photo (it checks who may see it)."""
    return url_for("console.photo_image", upload_id=upload.id)


def trend_chart(trend: list[dict]) -> dict:
    """ECharts option (plain data): a team's totals over its last 12 locked months."""
    return {
        "color": ["#c0392b"],
        "tooltip": {"trigger": "axis", "renderMode": "richText"},
        "grid": {"left": 40, "right": 20, "top": 20, "bottom": 30},
        "xAxis": {"type": "category", "data": [t["month"] for t in trend]},
        "yAxis": {"type": "value", "min": 60, "max": 100},
        "series": [{"name": "总分", "type": "line", "data": [t["total"] for t in trend]}],
    }


@bp.get("/assessments/templates/<int:template_id>")
def assessments_template(template_id: int):
    """One version of a template: its groups with weights and its items."""
    committee_or_404()
    template = templates.get(principal(), template_id)
    return render_template(
        "assessments/template.html",
        template=template,
        groups=templates.groups(template),
        lines=template_lines(template),
        line_help=LINE_HELP,
    )


def _default_quarter(months) -> str | None:
    """The newest quarter whose three months are locked (else the newest locked month's)."""
    locked: dict[str, int] = {}
    for m in months:
        if m.status == "locked":
            key = f"{m.month[:4]}-Q{(int(m.month[5:7]) - 1) // 3 + 1}"
            locked[key] = locked.get(key, 0) + 1
    complete = sorted(q for q, n in locked.items() if n == 3)
    if complete:
        return complete[-1]
    return max(locked) if locked else None


@bp.get("/assessments/awards")
def assessments_awards():
    """六好区队 of a quarter: the ranking by the three locked months' average with eligibility,
    the award form for eligible teams, the quarter's awards (the honour wall)."""
    mine_id = committee_or_404()
    p = principal()
    kind = _kind()
    quarter = arg_str("quarter", 7) or _default_quarter(queries.months(p, kind))
    ranking, refusal = [], None
    if quarter:
        try:
            ranking = awards.ranking(mine_id, quarter, kind)
        except DomainError as error:
            refusal = error.message
    given = awards.honours(p, quarter, kind) if quarter and refusal is None else []
    nominations = []
    if quarter:
        try:
            nominations = leaders.nominations(p, quarter)
        except DomainError:
            nominations = []
    return render_template(
        "assessments/awards.html",
        quarter=quarter,
        ranking=ranking,
        refusal=refusal,
        awards=given,
        awarded={a.team_id for a in given},
        limit=settings.awards_per_quarter(kind),
        nominations=nominations,
        kind=kind,
        kinds=KIND_NAMES,
        title=awards.AWARD_TITLES[kind],
    )


@bp.post("/assessments/awards")
def assessments_award():
    """Name a 区队 六好区队 or a 班组 六型班组 (the API's POST /admin/assessments/awards)."""
    committee_or_404()
    data = load_form(
        AwardIn(),
        {
            "quarter": form_value("quarter"),
            "team_id": form_value("team_id"),
            "citation": form_value("citation"),
            "kind": form_value("kind") or "team",
        },
        messages={"citation": "请填写表彰事迹"},
    )
    made = awards.award(
        principal(), data["quarter"], data["team_id"], data["citation"], kind=data["kind"]
    )
    unit_of_work.flush()
    asked = f"，已发起 {len(made.points_request_ids)} 条积分申请" if made.points_request_ids else ""
    return done(
        f"已将 {made.team.name} 评为 {made.quarter} {awards.AWARD_TITLES[made.kind]}{asked}",
        to=url_for("console.assessments_awards", quarter=made.quarter, kind=made.kind),
    )


# --- the template editor: one line per item, saved as the next version ---------------------

LINE_HELP = (
    "每行一项：类别 | 考核项目 | 分值 | 考核科室 | 考核细则 | 否决（一票否决项填“否决”，"
    f"分值填 0）；班组考核表中由班组所属区队考核的项目，考核科室填“{PARENT}”"
)


def template_lines(template) -> str:
    """A version as the editor's lines."""
    return "\n".join(
        " | ".join(
            [i.group_name, i.title, str(i.max_points), i.office.name if i.office else PARENT]
            + [i.rule]
            + (["否决"] if i.veto else [])
        )
        for i in template.items
    )


def parse_lines(mine_id: int, text: str) -> list[dict]:
    """The editor's lines as the API's items; a line that cannot be read is a 422 naming it.
    The office 所属区队 (PARENT) is a group sheet's item scored by the 班组's own 区队."""
    offices: dict[str, int | None] = {u.name: u.id for u in org.offices(mine_id)}
    offices.setdefault(PARENT, None)
    items, problems = [], {}
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("|")]
        if len(cells) not in (5, 6) or (len(cells) == 6 and cells[5] not in ("否决", "")):
            problems[f"第{n}行"] = [
                f"第{n}行应为 类别 | 考核项目 | 分值 | 考核科室 | 考核细则 | 否决（可选）"
            ]
            continue
        if not cells[2].isascii() or not cells[2].isdigit():
            problems[f"第{n}行"] = [f"第{n}行的分值应为整数"]
            continue
        if cells[3] not in offices:
            problems[f"第{n}行"] = [f"第{n}行：“{cells[3]}”不是本矿的机关科室"]
            continue
        items.append(
            {
                "group": cells[0],
                "title": cells[1],
                "max_points": int(cells[2]),
                "office_id": offices[cells[3]],
                "rule": cells[4],
                "veto": len(cells) == 6 and cells[5] == "否决",
            }
        )
    if problems:
        raise InvalidInput(errors=problems)
    return items


@bp.post("/assessments/templates/<int:template_id>")
def assessments_template_save(template_id: int):
    """Save the edited lines as the next version of the template (the API's POST
    /admin/assessments/templates under the same name); months already opened keep theirs."""
    mine_id = committee_or_404()
    current = templates.get(principal(), template_id)
    data = load_form(
        TemplateIn(),
        {
            "name": current.name,
            "kind": current.kind,
            "items": parse_lines(mine_id, request.form.get("lines", "")),
        },
    )
    saved = templates.save(principal(), data["name"], data["items"], data["kind"])
    unit_of_work.flush()
    return done(
        f"已保存 {saved.name} 第 {saved.version} 版",
        to=url_for("console.assessments_template", template_id=saved.id),
    )


# --- the office's scoring page: its items for every 区队, deductions, photos, submit ----------


def _scoring_offices() -> list:
    """The offices of the caller's mine they score for (their `scorer` duties); 404 if none."""
    p = principal()
    ids = access.duty_units(p.person_id, "scorer")
    offices = [u for u in org.offices(p.person.mine_id) if u.id in ids]
    if not offices:
        raise NotFound("页面不存在或无权查看")
    return offices


def _int_or_raw(name: str):
    raw = form_value(name)
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        return raw  # for the schema to refuse


@bp.get("/assessments/scoring")
def assessments_scoring():
    """An office's scoring page: the month's items the office owns, for every 区队 — the
    deduction, reason and evidence photos of each, a form to change them, and the submit."""
    offices = _scoring_offices()
    p = principal()
    kind = _kind()
    month_id = arg_int("month_id")
    if month_id is not None:
        kind = rounds.month_of(p.person.mine_id, month_id).kind
    months = queries.months(p, kind)
    month = next((m for m in months if m.id == month_id), None)
    if month is None:
        month = next((m for m in months if m.status == "open"), months[0] if months else None)
    office_id = arg_int("office_id")
    office = next((o for o in offices if o.id == office_id), offices[0])
    teams = []
    submitted_at = None
    if month is not None:
        submission = queries.submissions(month).get(office.id)
        submitted_at = submission.submitted_at if submission else None
        for team in rounds.month_teams(month):
            sheet = queries.sheet(p, month.id, team.id, console_photo_url)
            lines = [line for line in sheet["items"] if line["office_id"] == office.id]
            teams.append({"team": team, "lines": lines})
    editable = month is not None and month.status == "open" and submitted_at is None
    return render_template(
        "assessments/scoring.html",
        months=months,
        month=month,
        offices=offices,
        office=office,
        teams=teams,
        submitted_at=submitted_at,
        editable=editable,
        max_photos=photos.MAX_PHOTOS,
        kind=kind,
        kinds=KIND_NAMES,
    )


@bp.post("/assessments/scoring/<int:month_id>/score")
def assessments_score(month_id: int):
    """Record or change one deduction (the API's POST /assessments/months/{id}/scores); a
    chosen photo is stored through the media pipeline and added to the line's photos."""
    office = (
        next((o for o in _scoring_offices() if o.id == arg_int("office_id")), None)
        or _scoring_offices()[0]
    )
    p = principal()
    data = load_form(
        ScoreIn(),
        given(
            item_id=_int_or_raw("item_id"),
            team_id=_int_or_raw("team_id"),
            points=_int_or_raw("points") if form_value("points") else 0,
            reason=form_value("reason"),
            vetoed=request.form.get("vetoed") == "1",
            version=_int_or_raw("version"),
        ),
        messages={"points": "扣分须为整数"},
    )
    photo_ids = None
    file = request.files.get("photo")
    if file is not None and file.filename:
        keep = [int(v) for v in request.form.getlist("keep_photo") if v.isascii() and v.isdigit()]
        upload = store_upload(p.person, file.stream.read(media_settings().max_bytes + 1))
        photo_ids = [*keep, upload.id]
    row = rounds.score(
        p,
        month_id,
        data["item_id"],
        data["team_id"],
        data["points"],
        data["reason"],
        vetoed=data["vetoed"],
        version=data.get("version"),
        photo_ids=photo_ids,
    )
    unit_of_work.flush()
    return done(
        f"已保存：{row.team.name}「{row.item.title}」"
        + ("否决" if row.vetoed else f"扣 {row.points} 分"),
        to=url_for("console.assessments_scoring", month_id=month_id, office_id=office.id)
        + f"#team-{row.team_id}",
    )


@bp.post("/assessments/scoring/<int:month_id>/submit")
def assessments_submit(month_id: int):
    """The office is done scoring this month (the API's POST …/submissions)."""
    office_id = arg_int("office_id")
    office = next((o for o in _scoring_offices() if o.id == office_id), None)
    if office is None:
        raise NotFound("页面不存在或无权查看")
    rounds.submit(principal(), month_id, office.id)
    unit_of_work.flush()
    return done(
        f"{office.name}本月评分已提交，区队可在异议期内提出异议",
        to=url_for("console.assessments_scoring", month_id=month_id, office_id=office.id),
    )


@bp.post("/assessments/leader-nominations/<int:nomination_id>/decide")
def assessments_leader_decide(nomination_id: int):
    """Approve or reject a 优秀班组长 nomination (the API's …/leader-nominations/{id}/decide)."""
    committee_or_404()
    data = load_form(
        LeaderDecideIn(),
        {"approve": form_value("approve") == "1", "reason": form_value("reason")},
    )
    row = leaders.decide(principal(), nomination_id, data["approve"], data["reason"])
    unit_of_work.flush()
    verdict = "评为优秀班组长" if row.status == "approved" else "未通过"
    return done(
        f"{row.group.name} {row.person.name}：{verdict}",
        to=url_for("console.assessments_awards", quarter=row.quarter),
    )
