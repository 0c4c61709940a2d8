"""The console's pages, one module per menu section."""

from console.views import audit, branch, campaigns, common, login, mine, roster  # noqa: F401
