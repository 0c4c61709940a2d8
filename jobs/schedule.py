"""Periodic jobs: one line each. `flask jobs schedule` runs RQ's cron scheduler over this list;
`flask jobs worker` (with its scheduler) runs what it enqueues.

Add a job:  periodic("pairings-reminders", "pairings.jobs.remind_job", cron="0 9 25-31 * *")
Cron fields are in the scheduler's local time zone; run it with TZ=Asia/Shanghai.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.utils import import_string


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str  # dotted path of an @app_job function taking no arguments
    every: int | None = None  # seconds
    cron: str | None = None


PERIODIC: list[Periodic] = []


def periodic(name: str, func: str, *, every: int | None = None, cron: str | None = None) -> None:
    """Register a periodic job by the dotted path of its function."""
    if (every is None) == (cron is None):
        raise ValueError("give exactly one of every= or cron=")
    if any(p.name == name for p in PERIODIC):
        raise ValueError(f"periodic job {name!r} registered twice")
    PERIODIC.append(Periodic(name, func, every, cron))


periodic("wishes-claim-deadlines", "wishes.jobs.claim_deadlines_job", every=600)
periodic("notifications-sweep", "notifications.delivery.sweep_job", every=60)
periodic("uploads-purge-orphans", "media.jobs.purge_orphan_uploads_job", cron="30 3 * * *")
periodic("uploads-media-checks", "media.jobs.media_checks_sweep_job", every=300)
periodic("idempotency-purge", "jobs.maintenance.purge_idempotency_job", every=3600)
periodic("pairings-talk-reminders", "pairings.jobs.remind_job", cron="0 9 * * *")
periodic("votes-remind-non-voters", "votes.jobs.remind_job", cron="0 12 * * *")
periodic("votes-reconcile", "votes.jobs.reconcile_job", every=60)
periodic("console-purge-tickets", "console.jobs.purge_tickets_job", cron="40 3 * * *")


def build_scheduler(connection, queue_name: str):
    """An RQ CronScheduler with every registered periodic job."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=connection, name=f"frontline-{queue_name}")
    for job in PERIODIC:
        scheduler.register(
            import_string(job.func),
            queue_name,
            interval=job.every,
            cron=job.cron,
            name=job.name,
            job_timeout=600,
        )
    return scheduler
