"""The console's housekeeping job."""

from __future__ import annotations

from jobs import app_job


@app_job
def purge_tickets_job() -> int:
    """Drop login tickets that expired over a day ago (every login page makes one), and roster
    files whose preview was never confirmed."""
    from accounts.console_tickets import purge_tickets
    from console import roster_files
    from models.unit_of_work import committed

    n = committed(purge_tickets)
    roster_files.purge()
    return n
