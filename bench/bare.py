"""A bare Flask app: the yardstick every phase of `bench.run` is divided by.

One route answering `{"ok": true}` and nothing else (no config, database, Redis, blueprints or
hooks), served by the same gunicorn command and `gunicorn.conf.py` as the real app, so a ratio
"× bare" is what the app's own work costs per request on this machine.
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def ok() -> dict:
    return {"ok": True}
