"""The console's pages, one module per menu section."""

from console.views import (  # noqa: F401
    assessments,
    audit,
    branch,
    campaigns,
    common,
    honours,
    inbox,
    login,
    mine,
    nominations,
    photos,
    points,
    roster,
    zones,
)
