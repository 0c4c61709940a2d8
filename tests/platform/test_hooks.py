"""Side effects you can see: no SQLAlchemy session listener and no periodic job is installed by
importing a module; each package's init_app installs its own, once per process, when create_app
calls it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# In a fresh interpreter: import every module of the app's packages, count the Session
# listeners, build the app twice, count again.
PROBE = r"""
import importlib, json, pkgutil, sys
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

root = Path(sys.argv[1])
skip = {"tests", "migrations", "bench", "scripts", "instance", "docs"}
for path in sorted(root.iterdir()):
    if path.name in skip or not (path / "__init__.py").exists():
        continue
    package = importlib.import_module(path.name)
    for info in pkgutil.walk_packages(package.__path__, path.name + "."):
        importlib.import_module(info.name)
importlib.import_module("app")

EVENTS = (
    "before_flush", "after_flush", "after_flush_postexec", "before_commit", "after_commit",
    "after_rollback", "after_soft_rollback", "after_begin", "do_orm_execute",
    "after_transaction_create", "after_transaction_end", "after_attach", "persistent_to_detached",
)
OURS = {
    "accounts.auth_epochs": [
        ("after_flush", "_after_flush"), ("do_orm_execute", "_do_orm_execute"),
        ("after_commit", "_after_commit"), ("after_rollback", "_after_rollback"),
    ],
    "votes.live.push": [
        ("before_commit", "_snapshot"), ("after_commit", "_push"), ("after_rollback", "_forget"),
    ],
    "pairings.services": [("before_flush", "end_pairings_of_members_who_left_the_party")],
    "notifications": [
        ("after_flush", "_collect"), ("after_commit", "_after_commit"),
        ("after_rollback", "_after_rollback"),
    ],
}


def counts():
    session = Session()
    return {name: len(getattr(session.dispatch, name)) for name in EVENTS}


def ours():
    return {
        f"{module}.{fn}": event.contains(
            Session, name, getattr(importlib.import_module(module), fn)
        )
        for module, pairs in OURS.items()
        for name, fn in pairs
    }


from jobs.schedule import PERIODIC

out = {"imported": counts(), "ours_imported": ours(), "jobs_imported": len(PERIODIC)}
from app import create_app

config = json.loads(sys.argv[2])
create_app(config)
out["one_app"] = counts()
create_app(config)
out["two_apps"] = counts()
out["ours_app"] = ours()
out["jobs_app"] = sorted(p.name for p in PERIODIC)
print(json.dumps(out))
"""


def test_no_session_listener_is_installed_at_import(base_config, tmp_path):
    config = {**base_config, "EMBEDDED_REDIS_PATH": str(tmp_path / "redis.db")}
    if not os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path}/hooks.sqlite3"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT), json.dumps(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert not any(out["ours_imported"].values()), out["ours_imported"]
    assert all(out["ours_app"].values()), out["ours_app"]
    # Nothing at import, every package's listeners once create_app ran, and not twice for two.
    assert set(out["imported"].values()) == {0}, out["imported"]
    assert out["one_app"]["before_flush"] >= 1 and out["one_app"]["after_commit"] >= 3
    assert out["two_apps"] == out["one_app"]
    # Periodic jobs likewise: registered by the init_app of the package that owns each.
    assert out["jobs_imported"] == 0
    assert out["jobs_app"] == sorted(
        {
            "wishes-claim-deadlines",
            "notifications-sweep",
            "uploads-purge-orphans",
            "uploads-media-checks",
            "idempotency-purge",
            "pairings-talk-reminders",
            "pairings-duties-overdue",
            "votes-remind-non-voters",
            "console-purge-tickets",
            "zones-dangers-overdue",
            "assessments-visit-reminders",
            "inbox-purge",
            "votes-reconcile",
        }
    )
