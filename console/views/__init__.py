"""The console's pages, one module per menu section."""

from console.views import (  # noqa: F401
    assessments,
    audit,
    branch,
    campaigns,
    common,
    desk,
    inbox,
    login,
    meetings,
    mine,
    photos,
    points,
    roster,
    rulebook,
    zones,
)
