"""The app as gunicorn serves it for the benchmark, plus one trivial endpoint to compare with.

`/bench/trivial` does what every API view does before its own work (authenticate the bearer
token, load the principal) and then answers a constant JSON body: the baseline the vote path,
the brushing storm and the leaderboard are measured against.
"""

from __future__ import annotations

from flask import jsonify

from app import create_app
from miniapp_api.auth import login_required

app = create_app()


@app.get("/bench/trivial")
@login_required()
def trivial():
    return jsonify(ok=True)


@app.get("/bench/ping")
def ping():
    return jsonify(ok=True)
