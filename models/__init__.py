"""Tables (one module per aggregate) and the Redis handle; the lowest layer."""

from models.accounts import Account, AuthSession, BindAudit
from models.assessments import (
    DUTIES,
    GRADES,
    AssessmentMonth,
    Deduction,
    DeductionObjection,
    MonthResult,
    OfficeSubmission,
    Patronage,
    PatronVisit,
    QuarterAward,
    ResultAdjustment,
    SheetItem,
    SheetTemplate,
    UnitDuty,
)
from models.base import UTCDateTime, db, utcnow
from models.consents import CONSENT_RESULTS, ConsentReport, SubscribeConsent
from models.console import ConsoleLoginTicket, ConsoleSignIn
from models.honours import Honour, HonourAudit
from models.idempotency import IdempotencyRecord
from models.notifications import NOTIFICATION_STATUSES, Notification
from models.org import UNIT_KINDS, Branch, Mine, Unit
from models.pairings import (
    CARE_FLAGS,
    TALK_MODES,
    CareFlagChange,
    CareFlags,
    Pairing,
    Talk,
    TalkAccess,
    TalkReminder,
)
from models.people import GRANTABLE_ROLES, PARTY_STATUSES, POLITICAL_STATUSES, Person, RoleGrant
from models.points import POINT_KINDS, REQUEST_STATUSES, PointsEntry, PointsRequest
from models.redis_store import get_redis, redis_store
from models.roster import (
    LEAVE_ACTIONS,
    LEAVE_SOURCES,
    REVIEW_CAUSES,
    REVIEW_OUTCOMES,
    LeaveRecord,
    PairingReview,
)
from models.votes import (
    Ballot,
    Campaign,
    CampaignAudit,
    Candidate,
    Nomination,
    Objection,
    PointsSheet,
    VoteReminder,
)
from models.wishes import (
    UPLOAD_CHECKS,
    UPLOAD_PURPOSES,
    WISH_CATEGORIES,
    WISH_STATUSES,
    Upload,
    Wish,
    WishEvent,
)
from models.zones import (
    DANGER_LEVELS,
    DANGER_STATUSES,
    PHOTO_STAGES,
    VIOLATION_KINDS,
    Danger,
    DangerEvent,
    Patrol,
    Violation,
    Zone,
    ZoneHolder,
    ZonePhoto,
)

__all__ = [
    "Honour",
    "HonourAudit",
    "Nomination",
    "AssessmentMonth",
    "DUTIES",
    "GRADES",
    "Deduction",
    "DeductionObjection",
    "MonthResult",
    "OfficeSubmission",
    "Patronage",
    "PatronVisit",
    "QuarterAward",
    "ResultAdjustment",
    "SheetItem",
    "SheetTemplate",
    "UNIT_KINDS",
    "UnitDuty",
    "CONSENT_RESULTS",
    "ConsentReport",
    "SubscribeConsent",
    "CARE_FLAGS",
    "TALK_MODES",
    "CareFlagChange",
    "CareFlags",
    "Pairing",
    "PairingReview",
    "LEAVE_ACTIONS",
    "LEAVE_SOURCES",
    "LeaveRecord",
    "REVIEW_CAUSES",
    "REVIEW_OUTCOMES",
    "Talk",
    "TalkAccess",
    "TalkReminder",
    "GRANTABLE_ROLES",
    "NOTIFICATION_STATUSES",
    "POINT_KINDS",
    "PARTY_STATUSES",
    "POLITICAL_STATUSES",
    "Account",
    "Ballot",
    "AuthSession",
    "BindAudit",
    "Campaign",
    "ConsoleLoginTicket",
    "ConsoleSignIn",
    "CampaignAudit",
    "Candidate",
    "Branch",
    "IdempotencyRecord",
    "Mine",
    "Notification",
    "Objection",
    "Person",
    "PointsEntry",
    "PointsRequest",
    "REQUEST_STATUSES",
    "RoleGrant",
    "UTCDateTime",
    "Unit",
    "UPLOAD_CHECKS",
    "UPLOAD_PURPOSES",
    "Upload",
    "PointsSheet",
    "VoteReminder",
    "WISH_CATEGORIES",
    "WISH_STATUSES",
    "Wish",
    "WishEvent",
    "DANGER_LEVELS",
    "DANGER_STATUSES",
    "PHOTO_STAGES",
    "VIOLATION_KINDS",
    "Danger",
    "DangerEvent",
    "Patrol",
    "Violation",
    "Zone",
    "ZoneHolder",
    "ZonePhoto",
    "db",
    "get_redis",
    "redis_store",
    "utcnow",
]


def init_app(app) -> None:
    """Database, migrations and Redis for the app."""
    from models import engine

    engine.init_app(app)
    redis_store.init_app(app)
