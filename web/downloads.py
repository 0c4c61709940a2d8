"""File downloads (the Excel ledgers, the roster template, the console's table exports), for the
API and the console alike: one rule to name a file, one way to put it in Content-Disposition.

The naming rule (docs/API.md "Downloads"): a download is named after what it holds, in Chinese,
then what it is cut to, joined by "-": 谈心台账-综采一队党支部-2026-12.xlsx; its ASCII fallback
(the `filename=` old clients read) is the kind's ASCII name with the same parts, an id standing
for a name: talks-4-2026-12.xlsx. The API and the console name the same export the same way,
so the file a clerk downloads at the desk and the one the mini-program's admin fetches match."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from flask import Response

_UNSAFE_FALLBACK = re.compile(r"[^A-Za-z0-9._-]")
# Characters no file system takes in a name (and "-" is the rule's separator of parts).
_UNSAFE_SHOWN = re.compile(r"[\\/:*?\"<>|\x00-\x1f]")

# Every download's kind: its ASCII name (the fallback's first part) and its Chinese name.
KINDS: dict[str, str] = {
    "talks": "谈心台账",
    "wishes": "心愿台账",
    "points": "积分台账",
    "campaign": "评选台账",
    "roster-template": "花名册模板",
    "roster": "花名册",
    "assessment": "区队考核",
    "assessment-group": "班组考核",
    "dangers": "隐患台账",
    "violations": "三违登记",
    "mine-overview": "全矿概览",
    "mine-trends": "全矿趋势",
    "mentoring": "传帮带台账",
    "honours": "荣誉榜",
    "meetings": "三会一课登记簿",
    "pledges": "承诺践诺台账",
    "deeds": "我为职工办实事台账",
    "duties": "必访必谈台账",
    "audit-points": "审计-积分调整",
    "audit-talks": "审计-谈心记录查阅",
    "audit-binds": "审计-绑定与解绑",
    "audit-signins": "审计-控制台登录",
    "audit-leavers": "审计-离职登记",
    "audit-objections": "审计-异议答复",
}

# A part of a name: the same in both names (a month, a period), or (shown, ascii): a branch's
# name and its id.
Part = str | int | tuple[str, str | int]


@dataclass(frozen=True)
class FileName:
    """A download's two names: the one shown (UTF-8, `filename*`) and the ASCII fallback."""

    shown: str
    fallback: str


def file_name(kind: str, *parts: Part | None, ext: str = "xlsx") -> FileName:
    """The rule's name of a `kind` download cut to `parts` (None parts are left out)."""
    shown, plain = [KINDS[kind]], [kind]
    for part in parts:
        if part is None or part == "":
            continue
        if isinstance(part, tuple):
            shown.append(str(part[0]))
            plain.append(str(part[1]))
        else:
            shown.append(str(part))
            plain.append(str(part))
    name = _UNSAFE_SHOWN.sub("_", "-".join(shown))
    return FileName(f"{name}.{ext}", f"{'-'.join(plain)}.{ext}")


def content_disposition(filename: str | FileName, fallback: str | None = None) -> str:
    """`attachment` with an ASCII fallback name and the exact name per RFC 6266 / RFC 5987.

    A header value must be Latin-1 to be sent at all (gunicorn dropped the connection on a
    full-width digit); the fallback (`fallback`, or the name with every other character made
    `_`) keeps old clients working, `filename*` carries the rest."""
    if isinstance(filename, FileName):
        filename, fallback = filename.shown, filename.fallback
    plain = _UNSAFE_FALLBACK.sub("_", fallback or filename) or "download"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def attachment(
    data: bytes, filename: str | FileName, mimetype: str, fallback: str | None = None
) -> Response:
    """A download that is never cached (ledgers hold personal data)."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename, fallback)
    response.headers["Content-Length"] = str(len(data))
    response.headers["Cache-Control"] = "no-store"
    return response
