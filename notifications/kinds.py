"""Every kind of notification, who receives it, and the data keys it carries with their sorts.

`notify()` refuses a kind that is not here and data keys it does not declare, and the
WECHAT_TEMPLATES check at start-up knows every kind from this list. Adding a kind is one line:

    kind("objection_answered", "the objector", campaign="text", result="phrase", at="time")

A key's sort says what its values look like, so that a template keyword of a WeChat type that
cannot hold it (a title in a `number` keyword) is refused at start-up rather than by WeChat:

| sort | values | fits keyword types |
| --- | --- | --- |
| text | free text | thing |
| name | a person's name | name, thing |
| phrase | a short Chinese word (已通过) | phrase, thing |
| number | a whole number, as digits | number, character_string, thing |
| time | China time `YYYY-MM-DD HH:MM` | time, date, thing |
| date | `YYYY-MM-DD` | date, character_string, thing |
| month | `YYYY-MM` | date, character_string, thing |
"""

from __future__ import annotations

from dataclasses import dataclass

SORTS = ("text", "name", "phrase", "number", "time", "date", "month")

# A value of each sort, for `flask notifications check-templates`: long enough to show cutting.
SAMPLES = {
    "text": "孩子今年上小学，需要一个新书包和一套文具，家里暂时买不起",
    "name": "王建国",
    "phrase": "已通过",
    "number": "3",
    "time": "2026-05-01 08:30",
    "date": "2026-05-31",
    "month": "2026-05",
}


@dataclass(frozen=True)
class Kind:
    name: str
    to: str
    keys: dict[str, str]  # data key → sort

    def sample(self) -> dict[str, str]:
        """Data as notify() would carry it, for showing what a template would send."""
        return {key: SAMPLES[sort] for key, sort in self.keys.items()}


KINDS: dict[str, Kind] = {}


def kind(name: str, to: str, /, **keys: str) -> Kind:
    """Register a notification kind: its name, who receives it, its data keys and sorts."""
    if name in KINDS:
        raise ValueError(f"notification kind {name!r} registered twice")
    unknown = {k: s for k, s in keys.items() if s not in SORTS}
    if unknown:
        raise ValueError(f"{name}: unknown sorts {unknown}; use one of {SORTS}")
    KINDS[name] = Kind(name, to, dict(keys))
    return KINDS[name]


# -- micro-wishes --------------------------------------------------------------------------------
kind("wish_submitted", "branch secretary", title="text", name="name", at="time")
kind("wish_reviewed", "wisher", title="text", result="phrase", reason="text", at="time")
kind("wish_claimed", "wisher", title="text", name="name", at="time")
kind("wish_fulfilled", "wisher", title="text", name="name", note="text", at="time")
kind("wish_closed", "wisher, claimer", title="text", reason="text", at="time")
kind("wish_confirmed", "claimer", title="text", rating="number", thanks="text", at="time")
kind("claim_deadline_near", "claimer", title="text", deadline="time")
kind("claim_expired", "claimer", title="text", at="time")
kind("claim_returned", "wisher", title="text", reason="text", at="time")
# -- photos (WeChat's image check) ---------------------------------------------------------------
kind("photo_withdrawn", "uploader", use="text", reason="text", at="time")
kind("photo_review_needed", "branch secretary", use="text", name="name", reason="text", at="time")
# -- pairings and talks --------------------------------------------------------------------------
kind(
    "pairing_reviews",
    "secretaries of both branches",
    count="number",
    branches="text",
    at="time",
    text="text",
)
kind(
    "talk_reminder",
    "member still due",
    month="month",
    required="number",
    done="number",
    deadline="date",
    remind_on="date",
    text="text",
)
kind(
    "care_duty_assigned",
    "the paired member, else the branch secretary",
    name="name",
    event="phrase",
    duty="phrase",
    deadline="time",
)
kind(
    "care_duty_overdue",
    "the assignee, the branch secretaries",
    name="name",
    event="phrase",
    duty="phrase",
    deadline="time",
    assignee="name",
)
kind(
    "apprenticeship_assessed",
    "mentor and apprentice",
    apprentice="name",
    stage="phrase",
    result="phrase",
    at="time",
)
# -- 六大员 voting ---------------------------------------------------------------------------------
kind(
    "objection_answered",
    "the objector",
    title="text",
    candidate="name",
    result="phrase",
    reason="text",
    at="time",
)
kind(
    "vote_reminder",
    "bound employee who has not voted today",
    title="text",
    day="date",
    ends_at="time",
    text="text",
)
kind("nominated", "the nominee", campaign="text", category="phrase", name="name")
kind(
    "nomination_reviewed",
    "the nominee, the nominating secretary",
    campaign="text",
    category="phrase",
    name="name",
    result="phrase",
    reason="text",
)
kind("honour_awarded", "the honoured person", title="text", date="date")
# -- 党员责任区 and hidden dangers (隐患) ------------------------------------------------------
kind(
    "danger_reported",
    "zone's member, 区队's branch secretary",
    title="text",
    level="phrase",
    at="time",
)
kind("danger_assigned", "the fixer", title="text", level="phrase", deadline="time")
kind("danger_fixed", "reporter, zone's member", title="text", name="name", at="time")
kind(
    "danger_overdue",
    "区队's branch secretary, the committee",
    title="text",
    level="phrase",
    deadline="time",
    unit="text",
)
# -- 三会一课 meetings ---------------------------------------------------------------------------
kind(
    "meeting_scheduled",
    "the meeting's attendees",
    kind="phrase",
    topic="text",
    place="text",
    at="time",
)
kind("meeting_leave_requested", "branch secretary", name="name", topic="text", at="time")
kind("meeting_leave_decided", "the member asking", topic="text", result="phrase")
# -- 区队 assessment (六好区队) -----------------------------------------------------------------
kind(
    "visit_reminder",
    "the scorers of an office still due a 包保 visit",
    month="month",
    office="text",
    teams="text",
    count="number",
    deadline="date",
)
