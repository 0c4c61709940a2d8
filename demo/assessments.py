"""The demo mine's 区队 assessment, made through the real services: the four production units
become 区队, the shipped 六好区队 example is installed (its six offices made by name), one
person of 党政办 scores for each office, each 区队 gets its leader; last month is scored, objected
to, answered and locked; this month is in progress (some offices submitted, one objection
waiting for its answer). 六型班组: three 班组 under 综采一队 (their 班组长 D0003, D0005, D0006),
the shipped 六型班组 example, scored by 安全科 and by 综采一队's leader D0004: last month locked,
this month in progress."""

from __future__ import annotations

from datetime import timedelta

from accounts.principal import principal_for_person
from assessments import awards, org, rounds, templates
from clock import local
from demo.people import BRANCHES, MINE
from models import AssessmentMonth, Mine, OfficeSubmission, Person, Unit, db, utcnow

TEAMS = [unit for unit, _ in BRANCHES if unit != "党政办"]
LEADERS = {"综采一队": "D0004", "掘进二队": "D0010", "机电队": "D0018", "通风队": "D0026"}
# office -> the 党政办 person who scores for it
SCORERS = {
    "党委工作部": "D0034",
    "安全科": "D0035",
    "生产技术科": "D0036",
    "机电科": "D0037",
    "经营管理科": "D0038",
    "人力资源科": "D0039",
}
# (team, item title, points, reason) of last month; a veto for none
LAST_MONTH = [
    ("综采一队", "隐患排查治理", 2, "10月12日检查发现工作面超前支护不到位，未按期整改"),
    ("掘进二队", "“三违”管控", 3, "发生习惯性违章 3 人次"),
    ("掘进二队", "工程质量", 2, "巷道成型验收 2 处不合格"),
    ("机电队", "设备完好", 4, "设备完好率低于标准 4%"),
    ("通风队", "安全培训", 1, "班前会记录缺 1 次"),
    ("通风队", "走动管理落实", 2, "支部书记走动管理记录缺 2 次"),
    ("通风队", "成本控制", 3, "材料费超计划 3%"),
    ("通风队", "隐患排查治理", 6, "局部通风机“一通三专”检查 6 处不合格，未按期整改"),
    ("机电队", "机电事故控制", 5, "主排水泵故障影响生产 2 小时"),
]
THIS_MONTH = [
    ("综采一队", "生产计划完成", 3, "月度推进计划欠 6%"),
    ("掘进二队", "隐患排查治理", 1, "1 条隐患未闭环"),
    ("机电队", "机电事故控制", 2, "发生影响生产 1 小时的皮带故障"),
]


# The previous quarter's three months (the last one also takes LAST_MONTH's objection when it
# is last month), and its awards.
QUARTER_ROWS = [
    [
        ("综采一队", "安全培训", 1, "班前会记录缺 1 次"),
        ("掘进二队", "工程质量", 3, "巷道成型验收 3 处不合格"),
        ("机电队", "设备完好", 6, "设备完好率低于标准 6%"),
        ("通风队", "隐患排查治理", 4, "4 条隐患未按期闭环"),
    ],
    [
        ("掘进二队", "“三违”管控", 2, "发生习惯性违章 2 人次"),
        ("掘进二队", "工程质量", 2, "巷道成型验收 2 处不合格"),
        ("机电队", "机电事故控制", 7, "发生影响生产的机电事故 3 起"),
        ("机电队", "设备完好", 8, "设备完好率低于标准 8%"),
        ("机电队", "成本控制", 6, "材料费超计划 6%"),
        ("机电队", "劳动纪律", 3, "违反劳动纪律 3 人次"),
        ("机电队", "班组建设", 4, "班组长未按规定培训"),
        ("机电队", "修旧利废、回收复用", 4, "未完成回收复用指标"),
        ("通风队", "成本控制", 2, "材料费超计划 2%"),
    ],
    LAST_MONTH,
]
AWARDS = [
    ("综采一队", "安全生产连续三月零事故，推广“走动自问工作法”，工程质量优良品率 98%"),
    ("掘进二队", "创新“井下安全巡逻”机制，党员安全责任区覆盖全部作业地点"),
]


def _previous_quarter() -> dict:
    now = local(utcnow())
    q = (now.month - 1) // 3  # the previous quarter, 0-based within the year
    year = now.year - (q == 0)
    q = q or 4
    months = [f"{year:04d}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]
    return {"name": f"{year:04d}-Q{q}", "months": months}


def _month(offset: int) -> str:
    now = local(utcnow())
    year, mon = now.year, now.month + offset
    while mon < 1:
        year, mon = year - 1, mon + 12
    return f"{year:04d}-{mon:02d}"


def seed_assessments() -> str:
    """The demo assessment; skipped if the demo mine already has a month."""
    mine = db.session.scalar(db.select(Mine).where(Mine.name == MINE))
    if mine is None:
        return "assessments: no demo mine"
    if db.session.scalar(db.select(AssessmentMonth.id).where(AssessmentMonth.mine_id == mine.id)):
        return "assessments: already there"

    def person(no: str) -> Person:
        return db.session.scalar(
            db.select(Person).where(Person.mine_id == mine.id, Person.employee_no == no)
        )

    committee = principal_for_person(person("D0001"))
    units = {u.name: u for u in db.session.scalars(db.select(Unit).where(Unit.mine_id == mine.id))}
    for name in TEAMS:
        org.set_kind(committee, units[name].id, "team", None)
        org.grant_duty(committee, units[name].id, LEADERS[name], "leader")
    template = templates.install_example(mine.id, committee.person_id)
    offices = {i.office.name: i.office_id for i in template.items}
    for office, no in SCORERS.items():
        org.grant_duty(committee, offices[office], no, "scorer")
    # The demo's committee login also scores for 党委工作部: the console's 科室评分 page shows.
    org.grant_duty(committee, offices["党委工作部"], "D0001", "scorer")
    for n, name in enumerate(TEAMS):
        org.link(committee, offices[list(SCORERS)[n]], units[name].id)
        org.link(committee, offices[list(SCORERS)[n + 2]], units[name].id)
    items = {i.title: i for i in template.items}
    scorer_of = {
        office_id: principal_for_person(person(SCORERS[name]))
        for name, office_id in offices.items()
    }

    def score(month: AssessmentMonth, rows) -> dict[str, int]:
        made = {}
        for team, title, points, reason in rows:
            item = items[title]
            d = rounds.score(
                scorer_of[item.office_id], month.id, item.id, units[team].id, points, reason
            )
            made[f"{team}/{title}"] = d.id
        return made

    leader = principal_for_person(person(LEADERS["掘进二队"]))

    def locked(name: str, rows, objection: bool) -> AssessmentMonth:
        month = rounds.open_month(committee, name, template.id)
        made = score(month, rows)
        for office_id, scorer in scorer_of.items():
            rounds.submit(scorer, month.id, office_id)
        if objection:
            raised = rounds.object_to(
                leader, made["掘进二队/工程质量"], "其中 1 处已于验收当日返工合格，请复核"
            )
            answerer = scorer_of[items["工程质量"].office_id]
            rounds.answer(answerer, raised.id, "复核属实，改为扣 1 分", 1)
        # The objection windows of a past month have long closed.
        for s in db.session.scalars(
            db.select(OfficeSubmission).where(OfficeSubmission.month_id == month.id)
        ):
            s.submitted_at = s.submitted_at - timedelta(days=40)
        db.session.flush()
        return rounds.lock(committee, month.id)

    # The previous quarter, whole and locked, with its 六好区队; then last month (objection).
    quarter = _previous_quarter()
    for n, name in enumerate(quarter["months"]):
        locked(name, QUARTER_ROWS[n], objection=name == _month(-1))
    if _month(-1) not in quarter["months"]:
        locked(_month(-1), LAST_MONTH, objection=True)
    for team, citation in AWARDS:
        awards.award(committee, quarter["name"], units[team].id, citation)

    current = rounds.open_month(committee, _month(0), template.id)
    made = score(current, THIS_MONTH)
    _evidence_photo(scorer_of[items["隐患排查治理"].office_id], current, items, units)
    for office in ("安全科", "机电科"):
        rounds.submit(scorer_of[offices[office]], current.id, offices[office])
    rounds.object_to(leader, made["掘进二队/隐患排查治理"], "该隐患已整改，附整改照片待查")
    _groups(committee, units, person)
    _leader_nomination(committee, units, person, quarter["name"])
    db.session.flush()
    return (
        f"assessments: {quarter['name']} locked with its 六好区队, {_month(-1)} locked, "
        f"{current.month} in progress; 六型班组 of 综采一队 {_month(-1)} locked, "
        f"{current.month} in progress (区队 scorer D0004, 班组长 D0003) "
        f"(offices scoring: {', '.join(f'{n} {SCORERS[n]}' for n in SCORERS)})"
    )


def _evidence_photo(scorer, month: AssessmentMonth, items, units) -> None:
    """This month's 掘进二队 deduction on 隐患排查治理 carries an evidence photo (a drawn one)."""
    import io

    from PIL import Image, ImageDraw

    from media.store import store_upload

    img = Image.new("RGB", (640, 480), (92, 98, 104))
    draw = ImageDraw.Draw(img)
    draw.rectangle((60, 300, 580, 420), fill=(150, 120, 60))  # the roadway floor
    draw.line((100, 80, 540, 260), fill=(230, 200, 40), width=12)  # a loose bolt line
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    upload = store_upload(scorer.person, buf.getvalue())
    item = items["隐患排查治理"]
    rounds.score(
        scorer,
        month.id,
        item.id,
        units["掘进二队"].id,
        1,
        "1 条隐患未闭环",
        version=1,
        photo_ids=[upload.id],
    )


def _leader_nomination(committee, units, person, quarter: str) -> None:
    """综采一队's first 班组 (its leader D0003) is put forward as the last quarter's 优秀班组长
    by the 区队's leader, waiting for the committee on the award page."""
    from assessments import leaders

    group = db.session.scalar(
        db.select(Unit).where(Unit.mine_id == units["综采一队"].mine_id, Unit.name == GROUPS[0][0])
    )
    leaders.nominate(
        principal_for_person(person(LEADERS["综采一队"])),
        quarter,
        group.id,
        "带领生产一班连续三个月零“三违”，班前会“手指口述”落实到人，班组安全质量标准化达标",
    )


# 综采一队's 班组 and their 班组长
GROUPS = [("综采一队生产一班", "D0003"), ("综采一队生产二班", "D0005"), ("综采一队检修班", "D0006")]
# (group, item title, points, reason): last month's and this month's 六型班组 deductions
GROUP_LAST_MONTH = [
    ("综采一队生产一班", "班前会与手指口述", 2, "班前会手指口述 1 次未落实"),
    ("综采一队生产二班", "生产任务完成", 4, "班组任务欠 4%"),
    ("综采一队检修班", "作业现场文明", 1, "检修后工具未归位"),
    ("综采一队检修班", "小改小革、合理化建议", 3, "当月无合理化建议"),
]
GROUP_THIS_MONTH = [
    ("综采一队生产二班", "班前会与手指口述", 2, "班前会记录缺 1 次"),
    ("综采一队检修班", "设备与工具清洁", 1, "液压支架立柱未清洗"),
]


def _groups(committee, units, person) -> None:
    """Three 班组 under 综采一队 and their 六型班组 months: last month scored and locked, this
    month scored by 安全科 (submitted) and in progress for 综采一队 (D0004)."""
    team = units["综采一队"]
    groups = {}
    for name, leader in GROUPS:
        group = Unit(mine_id=team.mine_id, name=name, kind="other", branch_id=team.branch_id)
        db.session.add(group)
        db.session.flush()
        org.set_kind(committee, group.id, "group", team.id)
        org.grant_duty(committee, group.id, leader, "leader")
        groups[name] = group
    template = templates.install_example(team.mine_id, committee.person_id, "group")
    items = {i.title: i for i in template.items}
    safety = next(i.office_id for i in template.items if i.office_id is not None)
    office_scorer = principal_for_person(person(SCORERS["安全科"]))
    team_scorer = principal_for_person(person(LEADERS["综采一队"]))

    def score(month: AssessmentMonth, rows) -> None:
        for group, title, points, reason in rows:
            item = items[title]
            who = office_scorer if item.office_id is not None else team_scorer
            rounds.score(who, month.id, item.id, groups[group].id, points, reason)

    last = rounds.open_month(committee, _month(-1), template.id, kind="group")
    score(last, GROUP_LAST_MONTH)
    rounds.submit(office_scorer, last.id, safety)
    rounds.submit(team_scorer, last.id, team.id)
    for s in db.session.scalars(
        db.select(OfficeSubmission).where(OfficeSubmission.month_id == last.id)
    ):
        s.submitted_at = s.submitted_at - timedelta(days=40)
    db.session.flush()
    rounds.lock(committee, last.id)
    current = rounds.open_month(committee, _month(0), template.id, kind="group")
    score(current, GROUP_THIS_MONTH)
    rounds.submit(office_scorer, current.id, safety)
