"""The console's pages, one module per menu section."""

from console.views import (  # noqa: F401
    assessments,
    audit,
    branch,
    campaigns,
    common,
    desk,
    honours,
    inbox,
    login,
    meetings,
    mine,
    nominations,
    photos,
    points,
    roster,
    rulebook,
    zones,
)
