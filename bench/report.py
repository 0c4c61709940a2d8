"""The results table of a `bench.run` report, as Markdown for docs/BENCHMARKS.md:

    python -m bench.report bench/results/bench-<date>.json

`bench.run` prints the same table at the end of a run and stores its rows under "table" in the
JSON; this module computes them from the raw runs, so an older report can be rendered again.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

# Issue 12's targets as issue 28 restates them (the unread count joins; 500/s paced p99 <= 100 ms),
# ratios taken against the bare Flask app within one run.
RATIO_TARGETS = {"me": 0.40, "unread": 0.40, "leaderboard": 0.35, "storm": 0.35, "votes": 0.20}
VOTES_STRETCH = 0.30
PACED_P99_TARGETS_MS = {100: 50.0, 500: 100.0}
PRELOAD_TOLERANCE = 0.10
PHASES = {
    "bare": "bare Flask app (`bench/bare.py`)",
    "ping": "app, unauthenticated `GET /bench/ping`",
    "me": "`GET /api/v1/me` (authenticated)",
    "unread": "`GET /api/v1/inbox/unread-count` (authenticated, Redis-cached)",
    "todo": "`GET /api/v1/todo` (authenticated, counted from the domains)",
    "votes": "accepted votes",
    "storm": "brushing storm (repeats refused)",
    "leaderboard": "leaderboard",
}
HEADER = (
    "| phase | req/s | p50 ms | p90 ms | p99 ms | × bare | target | result | met | answers |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |"
)


def median(values) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def answers(statuses: dict[str, int]) -> str:
    """wrk's status counts ({"s201": 13514}) as "13,514 × 201"."""
    return ", ".join(
        f"{n:,} × {k.lstrip('s')}" for k, n in sorted(statuses.items(), key=lambda kv: -kv[1])
    )


def _sum_statuses(results: list[dict]) -> dict[str, int]:
    total: dict[str, int] = {}
    for r in results:
        for k, v in r["statuses"].items():
            total[k] = total.get(k, 0) + v
    return total


def _medians(results: list[dict]) -> dict[str, float]:
    """The rate and latencies of a phase: the medians of its runs."""
    return {key: median(r[key] for r in results) for key in ("rps", "p50_ms", "p90_ms", "p99_ms")}


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("pass" if ok else "**miss**")


def table(report: dict) -> list[dict]:
    """One row per line of the BENCHMARKS table: figures, target, result and pass/miss."""
    rows: list[dict] = []
    runs = report.get("runs", [])
    for phase, label in PHASES.items():
        results = [r[phase] for r in runs if phase in r]
        if not results:
            continue
        ratio = 1.0 if phase == "bare" else median(r["ratios"][phase] for r in runs)
        target = RATIO_TARGETS.get(phase)
        row = {
            "phase": label,
            **_medians(results),
            "x_bare": ratio,
            "per_run_x_bare": [r["ratios"][phase] for r in runs] if phase != "bare" else None,
            "target": f"≥ {target:.2f}× bare" if target else "—",
            "result": f"{ratio:.3f}×" if phase != "bare" else "—",
            "met": _mark(None if target is None else ratio >= target),
            "answers": answers(_sum_statuses(results)),
        }
        if phase == "votes":
            row["target"] += f" (stretch ≥ {VOTES_STRETCH:.2f}×)"
            row["met"] += f" (stretch: {_mark(ratio >= VOTES_STRETCH)})"
        rows.append(row)
    for p in report.get("paced", []):
        limit = PACED_P99_TARGETS_MS.get(p["offered_rate"])
        rows.append(
            {
                "phase": f"accepted votes paced at {p['offered_rate']}/s offered",
                "rps": p["rps"],
                "p50_ms": p["p50_ms"],
                "p90_ms": p["p90_ms"],
                "p99_ms": p["p99_ms"],
                "x_bare": None,
                "target": f"p99 ≤ {limit:.0f} ms, every vote answered" if limit else "—",
                "result": f"p99 {p['p99_ms']:.1f} ms, {p.get('errors', 0)} unanswered",
                "met": _mark(
                    None if limit is None else p["p99_ms"] <= limit and not p.get("errors", 0)
                ),
                "answers": answers(p["statuses"]),
            }
        )
    pre = report.get("preloaded_runs", [])
    if pre:
        ratio = median(r["ratio"] for r in pre)
        n = report["args"]["preload"]
        for side, label in (("empty", "empty database"), ("full", f"{n:,} past ballots")):
            results = [r[side] for r in pre]
            rows.append(
                {
                    "phase": f"accepted votes side by side: {label}",
                    **_medians(results),
                    "x_bare": None,
                    "per_run_full_over_empty": [r["ratio"] for r in pre],
                    "target": "—" if side == "empty" else "full ÷ empty within ±10 %",
                    "result": "—" if side == "empty" else f"{ratio:.3f}",
                    "met": "—" if side == "empty" else _mark(abs(ratio - 1) <= PRELOAD_TOLERANCE),
                    "answers": answers(_sum_statuses(results)),
                }
            )
    cl = report.get("cluster_runs", [])
    if cl:
        ratio = median(r["ratio"] for r in cl)
        for side, label in (
            ("single", "single Redis"),
            ("cluster", "six-node Redis Cluster (3 masters + 3 replicas)"),
        ):
            results = [r[side] for r in cl]
            rows.append(
                {
                    "phase": f"accepted votes side by side: {label}",
                    **_medians(results),
                    "x_bare": median(r["ratios"][side] for r in cl),
                    "per_run_cluster_over_single": [r["ratio"] for r in cl],
                    "target": "— (measured)",
                    "result": "—" if side == "single" else f"{ratio:.3f}× single Redis",
                    "met": "—",
                    "answers": answers(_sum_statuses(results)),
                }
            )
    preloaded = f"`fl_bench_full` ({report['args'].get('preload', 0):,} preloaded)"
    side_by_side = "invariants_before_preload" in report
    checks = [
        (name, report[key])
        for name, key in (
            ("after the closed-loop and paced phases", "invariants_before_preload"),
            (
                "`fl_bench` after the side-by-side runs"
                if side_by_side
                else "after the closed-loop and paced phases",
                "invariants",
            ),
            (preloaded, "invariants_after_preload"),
            ("`fl_bench` after the cluster runs", "invariants_single_side"),
            ("`fl_bench_cluster` on the cluster", "invariants_cluster"),
        )
        if key in report
    ]
    if checks:
        violations = sum(c["violations"] for _, c in checks)
        rows.append(
            {
                "phase": "invariants: nobody over the daily limits, Redis tallies = database",
                "target": "0 violations",
                "result": f"{violations} violations",
                "met": _mark(violations == 0),
                "answers": "; ".join(f"{name}: {c['ballots']:,} ballots" for name, c in checks),
            }
        )
    if "chaos" in report:
        c = report["chaos"]
        rows.append(
            {
                "phase": "chaos: Redis flush, tally rebuild, a worker killed mid-vote, close "
                "during a vote load; one reconciler pass",
                "target": "tallies = database, no ballot after the close, later votes refused",
                "result": f"{c['tally_mismatches']} mismatches, {c['over_limits']} over limits, "
                f"{c['ballots_after_close']} after close ({', '.join(c['events'])})",
                "met": _mark(c["ok"]),
                "answers": answers(c["statuses"]),
            }
        )
    gate = report.get("gate")
    if gate:
        for n in sorted((k for k in gate if k.isdigit()), key=int):
            g = gate[n]
            rows.append(
                {
                    "phase": f"gate cost (SQL, {n} client{'s' if n != '1' else ''}): "
                    "SELECT … FOR KEY SHARE + INSERT + COMMIT",
                    "rps": g["key_share"]["rate"],
                    "p50_ms": g["key_share"]["p50_ms"],
                    "p90_ms": g["key_share"].get("p90_ms"),
                    "p99_ms": g["key_share"]["p99_ms"],
                    "target": "— (measured)",
                    "result": f"{g['lock_ratio']:.3f}× the rate without the lock, "
                    f"{g['gate_ratio']:.3f}× the INSERT alone",
                    "met": "—",
                    "answers": f"{g['read']['rate']:,.0f}/s without the lock, "
                    f"{g['insert']['rate']:,.0f}/s the INSERT alone",
                }
            )
    for name, label in (("app", "app"), ("bare", "bare Flask"), ("app_full", "app, full copy")):
        rss = report.get("rss", {}).get(name)
        if rss:
            rows.append(
                {
                    "phase": f"gunicorn worker RSS after the run: {label}",
                    "target": "—",
                    "result": " / ".join(f"{w['rss_mib']:.0f}" for w in rss) + " MiB",
                    "met": "—",
                }
            )
    return rows


def _num(value, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def markdown(report: dict) -> str:
    """The table docs/BENCHMARKS.md shows, with the command line it came from."""
    args = report.get("args", {})
    lines = [
        "`python -m bench.run" + "".join(f" {a}" for a in report.get("argv", [])) + "`",
        f"({args.get('runs')} runs × {args.get('duration')} s per phase, "
        f"{args.get('connections')} connections, gunicorn {report.get('gunicorn', '?')} "
        f"{args.get('workers')} workers × {args.get('threads')} threads, "
        f"{report.get('cpus')} CPUs; started {report.get('started', '?')})",
        "",
        HEADER,
    ]
    if report.get("stopped_early"):
        lines.insert(2, f"**Stopped early** ({report['stopped_early']}): the table is partial.")
    for r in table(report):
        lines.append(
            "| "
            + " | ".join(
                [
                    r["phase"],
                    _num(r.get("rps"), ",.0f"),
                    _num(r.get("p50_ms"), ".1f"),
                    _num(r.get("p90_ms"), ".1f"),
                    _num(r.get("p99_ms"), ".1f"),
                    _num(r.get("x_bare"), ".3f"),
                    r.get("target", "—"),
                    r.get("result", "—"),
                    r.get("met", "—"),
                    r.get("answers") or "—",
                ]
            )
            + " |"
        )
    runs = report.get("runs", [])
    if runs:
        lines += ["", "Per run, req/s (× bare):"]
        for i, run in enumerate(runs, 1):
            parts = [f"bare {run['bare']['rps']:.0f}"] + [
                f"{p} {run[p]['rps']:.0f} ({run['ratios'][p]:.3f})"
                for p in PHASES
                if p != "bare" and p in run
            ]
            lines.append(f"{i}. " + ", ".join(parts))
        cl = report.get("cluster_runs", [])
        if cl:
            lines += ["", "Cluster side by side, per run, req/s (× bare of that run):"]
            for i, run in enumerate(cl, 1):
                lines.append(
                    f"{i}. bare {run['bare']['rps']:.0f}, single Redis "
                    f"{run['single']['rps']:.0f} ({run['ratios']['single']:.3f}), cluster "
                    f"{run['cluster']['rps']:.0f} ({run['ratios']['cluster']:.3f}), "
                    f"cluster ÷ single {run['ratio']:.3f}"
                )
        if any("cpu" in run.get("bare", {}) for run in runs):
            lines += ["", "Where the time goes (CPU ms per answered request, medians of runs):", ""]
            lines.append(cpu_table(report))
    return "\n".join(lines)


CPU_KINDS = ("app", "bare", "postgres", "redis", "wrk")


def cpu_table(report: dict) -> str:
    """Per phase, the medians over runs of CPU milliseconds per answered request by each kind
    of process, and how busy the machine was (issue 28 item 1): where each phase's time goes."""
    lines = [
        "| phase | " + " | ".join(f"{k} ms/req" for k in CPU_KINDS) + " | machine busy |",
        "| --- | " + " | ".join("---:" for _ in CPU_KINDS) + " | ---: |",
    ]
    for phase in PHASES:
        per_kind = {k: [] for k in CPU_KINDS}
        busy = []
        for run in report.get("runs", []):
            result = run.get(phase)
            if not result or "cpu" not in result or not result.get("requests"):
                continue
            for k in CPU_KINDS:
                per_kind[k].append(result["cpu"]["seconds"].get(k, 0.0) * 1000 / result["requests"])
            busy.append(result["cpu"]["busy"])
        if not busy:
            continue
        cells = " | ".join(f"{median(per_kind[k]):.3f}" for k in CPU_KINDS)
        lines.append(f"| {phase} | {cells} | {median(busy):.0%} |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit("usage: python -m bench.report bench/results/<file>.json")
    print(markdown(json.loads(Path(argv[0]).read_text())))


if __name__ == "__main__":
    main(sys.argv[1:])
