"""The rotating sign-in code: an HMAC of the meeting and the 30-second step, so a photo of the
code sent to someone outside the room stops working within a minute.

The code shown at step n is accepted during steps n and n + 1 (a scan that starts just before
the code turns still counts); a code of an earlier step within the last hour is "expired", any
other is "invalid"."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from models import Meeting

STEP_SECONDS = 30
DIGITS = 6
_EXPIRED_LOOKBACK = 120  # steps: an hour of old codes is told apart from a wrong one


def step_of(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def code_at(meeting: Meeting, step: int) -> str:
    """The code of a meeting for one time step (six digits)."""
    mac = hmac.new(meeting.secret.encode(), f"{meeting.id}:{step}".encode(), hashlib.sha256)
    return str(int(mac.hexdigest()[:12], 16) % 10**DIGITS).zfill(DIGITS)


def current(meeting: Meeting, now: datetime) -> tuple[str, datetime]:
    """The code to show now and when it turns."""
    step = step_of(now)
    return code_at(meeting, step), datetime.fromtimestamp((step + 1) * STEP_SECONDS, UTC)


def verdict(meeting: Meeting, code: str, now: datetime) -> str:
    """ "ok", "expired" or "invalid" for a scanned code."""
    step = step_of(now)
    given = code.strip()
    if any(hmac.compare_digest(code_at(meeting, s), given) for s in (step, step - 1)):
        return "ok"
    for s in range(step - 2, step - _EXPIRED_LOOKBACK, -1):
        if hmac.compare_digest(code_at(meeting, s), given):
            return "expired"
    return "invalid"


def payload(meeting_id: int, code: str) -> str:
    """What the room's QR code carries: the mini-program reads the meeting and the code from it
    and signs in with them (POST /meetings/{id}/sign-in {code}), as if the code were typed."""
    return f"meeting:{meeting_id}:{code}"
