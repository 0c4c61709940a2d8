"""Periodic jobs. Each package registers its own in its `init_app` (listed in app.py), one line
each; `flask jobs schedule` runs RQ's cron scheduler over the registry and `flask jobs worker`
(with its scheduler) runs what it enqueues.

Add a job, in the package's init_app:
    periodic("pairings-reminders", "pairings.jobs.remind_job", cron="0 9 25-31 * *")
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
    job = Periodic(name, func, every, cron)
    for known in PERIODIC:
        if known == job:
            return  # another app of this process registered it already
        if known.name == name:
            raise ValueError(f"periodic job {name!r} registered twice")
    PERIODIC.append(job)


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
