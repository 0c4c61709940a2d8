"""`flask jobs worker | schedule | list | run NAME`: what a deployment runs beside the web app."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from werkzeug.utils import import_string

from jobs import get_queue, rq_connection
from jobs.schedule import PERIODIC, build_scheduler

jobs_cli = AppGroup("jobs", help="Background jobs (RQ on the app's Redis).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Run what is queued, then exit.")
@click.option("--no-scheduler", is_flag=True, help="Do not move delayed jobs (retries) in.")
def worker_command(burst: bool, no_scheduler: bool) -> None:
    """Run jobs (notification delivery, periodic jobs); its scheduler enqueues retries when due."""
    from rq import SimpleWorker

    connection = rq_connection(fresh=True)
    queue = get_queue(connection=connection)
    # SimpleWorker runs jobs in this process, inside this app; run several for parallelism.
    worker = SimpleWorker([queue], connection=connection)
    worker.work(burst=burst, with_scheduler=not no_scheduler)


@jobs_cli.command("schedule")
def schedule_command() -> None:
    """Enqueue the periodic jobs when due (run exactly one of these per deployment)."""
    connection = rq_connection(fresh=True)
    scheduler = build_scheduler(connection, current_app.config["RQ_QUEUE"])
    for job in PERIODIC:
        click.echo(f"{job.name}: {job.func} " + (f"every {job.every}s" if job.every else job.cron))
    scheduler.start()


@jobs_cli.command("list")
def list_command() -> None:
    """The registered periodic jobs and the queue's length."""
    for job in PERIODIC:
        click.echo(f"{job.name}: {job.func} " + (f"every {job.every}s" if job.every else job.cron))
    click.echo(f"queue {current_app.config['RQ_QUEUE']}: {len(get_queue())} job(s) waiting")


@jobs_cli.command("run")
@click.argument("name")
def run_command(name: str) -> None:
    """Run one periodic job now, in this process."""
    for job in PERIODIC:
        if job.name == name:
            result = import_string(job.func)()
            click.echo(f"{name}: {result}")
            return
    raise click.ClickException(f"no periodic job {name!r}; see `flask jobs list`")
