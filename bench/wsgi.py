"""The app as gunicorn serves it for the benchmark.

`/bench/ping` is the one bench-only route: unauthenticated, a constant JSON body, so its ratio
to the bare Flask app (`bench/bare.py`) is the app's fixed cost per request (its hooks, the
error mapper, the limiter's bookkeeping); the harness also uses it to see that every worker
has booted. The authenticated baseline is the real `GET /api/v1/me`.
"""

from __future__ import annotations

from flask import jsonify

from app import create_app

app = create_app()


@app.get("/bench/ping")
def ping():
    return jsonify(ok=True)
