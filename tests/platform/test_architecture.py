"""The import layering drawn in docs/ARCHITECTURE.md, checked over the source with `ast`.

Every import of every project module counts, the lazy ones inside functions too. A package may
import only what `ALLOWED` lists for it; a new top-level package must be placed in the map (and
in docs/ARCHITECTURE.md) before it can be imported at all.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest


def _project_root() -> Path:
    here = Path(__file__).resolve().parent
    while not (here / "app.py").exists():
        if here.parent == here:
            raise RuntimeError("app.py not found above tests/")
        here = here.parent
    return here


ROOT = _project_root()

# Folders at the top that are not part of the application's import graph.
NOT_PROJECT = {"tests", "bench", "scripts", "migrations", "docs", "instance", "node_modules"}

# The floors, lowest first (docs/ARCHITECTURE.md draws the same picture).
FLOOR = {
    "config",
    "domain_errors",
    "clock",
    "inputs",
    "spreadsheets",
    "workbooks",
    "models",
    "people",
    "jobs",
}
SHARED = FLOOR | {"wechat", "accounts", "notifications", "points", "media"}
DOMAINS = {"wishes", "votes", "pairings", "roster", "zones", "assessments", "meetings", "honours"}
BELOW_WEB = SHARED | DOMAINS
DOORS = {"miniapp_api", "console"}

# package -> the packages it may import (besides itself).
ALLOWED: dict[str, frozenset[str]] = {
    name: frozenset(targets)
    for name, targets in {
        # floor 0: no HTTP, no WeChat, no domain
        "config": set(),
        "domain_errors": set(),
        "clock": {"config"},
        "inputs": {"config", "domain_errors", "clock", "people"},
        "spreadsheets": {"domain_errors", "clock"},
        "workbooks": {"domain_errors"},
        "models": {"config", "domain_errors", "clock"},
        "people": {"config", "domain_errors", "clock", "models"},
        "jobs": {"config", "domain_errors", "clock", "models"},
        # floor 1: the only place that knows WeChat's wire format
        "wechat": FLOOR,
        # floor 2: identity and the outbox, used by every domain
        "accounts": FLOOR | {"wechat"},
        "notifications": FLOOR | {"wechat"},
        # floor 3: the ledger and stored photos, used by several domains
        "points": FLOOR | {"wechat", "accounts", "notifications"},
        "media": FLOOR | {"wechat", "accounts", "notifications"},
        # floor 4: the domains, only downward: roster -> pairings -> wishes, roster -> votes
        "wishes": SHARED,
        "votes": SHARED,
        "pairings": SHARED | {"wishes"},
        "roster": SHARED | {"wishes", "votes", "pairings"},
        "zones": SHARED,
        "assessments": SHARED,
        "meetings": SHARED,
        # the honour roll reads what votes publish (and the assessments' team awards)
        "honours": SHARED | {"votes", "assessments"},
        # floor 5: what both doors share
        "web": BELOW_WEB,
        # floor 6: the two doors, which never import each other
        "miniapp_api": BELOW_WEB | {"web"},
        "console": BELOW_WEB | {"web"},
        # entry points: nothing imports them
        "demo": BELOW_WEB,
        "gunicorn.conf": BELOW_WEB | {"web"} | DOORS,
        "app": BELOW_WEB | {"web", "demo"} | DOORS,
    }.items()
}

# Names of `flask` that belong to a request: only web/ and the doors may read them.
REQUEST_NAMES = {"request", "g", "session"}
MAY_READ_REQUEST = {"web", "miniapp_api", "console", "app", "gunicorn.conf"}

# A domain's photo and content-check modules: no other domain imports them (use media/).
MEDIA_MODULES = {"photos", "content_check", "storage"}


@dataclass(frozen=True)
class Violation:
    file: str
    line: int
    imported: str
    rule: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} imports {self.imported}: {self.rule}"


def package_of(rel: Path) -> str:
    """The top-level name a project file belongs to (`votes`, `app`, `gunicorn.conf`)."""
    return rel.parts[0].removesuffix(".py")


def project_files(root: Path) -> dict[Path, str]:
    """Every project .py file (relative path) with its top-level package."""
    files: dict[Path, str] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in NOT_PROJECT or any(p.startswith(".") for p in rel.parts):
            continue
        if len(rel.parts) > 1 and not (root / rel.parts[0] / "__init__.py").exists():
            continue  # a folder of scripts or data, not a package
        files[rel] = package_of(rel)
    return files


def _module_name(rel: Path) -> str:
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(root: Path, dotted: str) -> bool:
    path = root.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports_of(root: Path, rel: Path) -> Iterable[tuple[int, str]]:
    """(line, dotted name) of every import in the file, relative ones resolved, lazy included."""
    tree = ast.parse((root / rel).read_text(encoding="utf-8"), filename=str(rel))
    here = _module_name(rel).split(".")
    is_package = rel.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here if is_package else here[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names = [alias.name for alias in node.names]
            if module == "flask":
                for name in names:
                    if name in REQUEST_NAMES:
                        yield node.lineno, f"flask.{name}"
                continue
            # `from votes import live` imports the module votes.live, not just the package
            subs = [n for n in names if _is_module(root, f"{module}.{n}")]
            for name in subs:
                yield node.lineno, f"{module}.{name}"
            if len(subs) < len(names):
                yield node.lineno, module
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "flask"
            and node.attr in REQUEST_NAMES
        ):
            yield node.lineno, f"flask.{node.attr}"


def check(
    root: Path, allowed: Mapping[str, frozenset[str]] = ALLOWED
) -> tuple[list[Violation], dict[str, set[str]]]:
    """Every import that breaks the layering, and the package graph actually found."""
    files = project_files(root)
    packages = set(files.values())
    violations: list[Violation] = []
    graph: dict[str, set[str]] = {p: set() for p in packages}
    for name in sorted(packages - set(allowed)):
        violations.append(
            Violation(name, 0, "-", "a package not placed in ALLOWED (and docs/ARCHITECTURE.md)")
        )
    for rel, pkg in files.items():
        seen: set[tuple[str, str]] = set()
        for line, module in imports_of(root, rel):
            parts = module.split(".")
            if parts[0] == "flask" and len(parts) == 2 and parts[1] in REQUEST_NAMES:
                if pkg not in MAY_READ_REQUEST:
                    violations.append(
                        Violation(
                            rel.as_posix(), line, module, f"{pkg} reads the request (web/ only)"
                        )
                    )
                continue
            target = _target_package(parts, packages)
            if target is None or target == pkg or (module, rel.as_posix()) in seen:
                continue
            seen.add((module, rel.as_posix()))
            graph[pkg].add(target)
            rule = _rule_broken(pkg, target, parts, allowed)
            if rule:
                violations.append(Violation(rel.as_posix(), line, module, rule))
    return violations, graph


def _target_package(parts: list[str], packages: set[str]) -> str | None:
    if ".".join(parts[:2]) in packages:  # gunicorn.conf
        return ".".join(parts[:2])
    return parts[0] if parts[0] in packages else None


def _rule_broken(
    pkg: str, target: str, parts: list[str], allowed: Mapping[str, frozenset[str]]
) -> str | None:
    if target == "app":
        return "nothing imports app"
    if pkg in DOORS and target in DOORS:
        return "the doors never import each other"
    if pkg in BELOW_WEB and target in DOMAINS and len(parts) > 1 and parts[1] in MEDIA_MODULES:
        return f"{parts[0]}.{parts[1]} belongs in media/: import it from there"
    if target not in allowed.get(pkg, frozenset()):
        return f"{pkg} may not import {target}"
    return None


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every cycle of the package graph, each once, as a path back to its start."""
    found: list[list[str]] = []
    seen_sets: set[frozenset[str]] = set()

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                key = frozenset(path)
                if key not in seen_sets:
                    seen_sets.add(key)
                    found.append([*path, start])
            elif nxt not in path and nxt > start:
                walk(start, nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, start, [start])
    return found


def _current() -> tuple[list[Violation], dict[str, set[str]]]:
    return check(ROOT)


def test_imports_follow_the_layering() -> None:
    violations, _ = _current()
    assert not violations, "imports that break docs/ARCHITECTURE.md:\n" + "\n".join(
        map(str, violations)
    )


def test_allowed_map_is_a_ladder() -> None:
    assert not cycles(ALLOWED), cycles(ALLOWED)
    assert not any("app" in targets for targets in ALLOWED.values())
    for door in DOORS:
        assert not (ALLOWED[door] & DOORS)
    for domain in DOMAINS:
        assert not (ALLOWED[domain] & (DOORS | {"web"}))


def test_no_package_cycle() -> None:
    _, graph = _current()
    assert not cycles(graph), cycles(graph)


def _write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


GOOD_TREE = {
    "app.py": "from miniapp_api import bp\nfrom votes import live\n",
    "models/__init__.py": "from config import settings\n",
    "config/__init__.py": "",
    "media/__init__.py": "from models import db\nfrom wechat import client\n",
    "wechat/__init__.py": "",
    "votes/__init__.py": "from media import store\n",
    "votes/live.py": "from . import errors\nfrom .errors import Closed\n",
    "votes/errors.py": "",
    "wishes/__init__.py": "",
    "wishes/photos.py": "from flask import current_app\n",
    "miniapp_api/__init__.py": "import flask\nfrom votes.live import vote\nfrom web import uow\n",
    "console/__init__.py": "from flask import render_template, request\n",
    "web/__init__.py": "from flask import request\nfrom models import db\n",
    "tests/test_x.py": "import app\nfrom console import x\n",
}


def test_checker_passes_a_good_tree(tmp_path: Path) -> None:
    _write(tmp_path, GOOD_TREE)
    violations, graph = check(tmp_path)
    assert violations == []
    assert graph["votes"] == {"media"}
    assert "tests" not in graph


@pytest.mark.parametrize(
    ("planted", "expected"),
    [
        (
            {"votes/share.py": "def f():\n    from wishes import photos\n"},
            "wishes.photos belongs in media/",
        ),
        ({"votes/share.py": "import wishes.content_check\n"}, "belongs in media/"),
        ({"wishes/x.py": "from miniapp_api import bp\n"}, "wishes may not import miniapp_api"),
        ({"wishes/x.py": "def f():\n    import web.limits\n"}, "wishes may not import web"),
        ({"votes/x.py": "from wishes.services import claim\n"}, "votes may not import wishes"),
        ({"models/x.py": "from votes import live\n"}, "models may not import votes"),
        ({"miniapp_api/x.py": "from console.auth import x\n"}, "never import each other"),
        ({"console/x.py": "def f():\n    import app\n"}, "nothing imports app"),
        ({"models/uow.py": "from flask import request\n"}, "models reads the request"),
        ({"votes/x.py": "import flask\nflask.g.user = 1\n"}, "votes reads the request"),
        ({"drills/__init__.py": "from models import db\n"}, "not placed in ALLOWED"),
    ],
)
def test_checker_catches_a_planted_import(
    tmp_path: Path, planted: Mapping[str, str], expected: str
) -> None:
    _write(tmp_path, {**GOOD_TREE, **planted})
    violations, _ = check(tmp_path)
    assert any(expected in str(v) for v in violations), violations


def test_checker_finds_a_cycle(tmp_path: Path) -> None:
    _write(tmp_path, {"a/__init__.py": "import b\n", "b/__init__.py": "def f():\n    import a\n"})
    violations, graph = check(tmp_path, {"a": frozenset({"b"}), "b": frozenset({"a"})})
    assert violations == []
    assert cycles(graph) == [["a", "b", "a"]]


def test_doors_never_commit() -> None:
    """The unit of work (web/unit_of_work.py) commits once per request: no view of either door
    calls `commit()` itself."""
    calls = []
    for door in sorted(DOORS):
        for path in sorted((ROOT / door).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "commit"
                ):
                    calls.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not calls, "views commit through web.unit_of_work, not by hand: " + ", ".join(calls)


# Where a package below the doors may read Flask's config: its settings module (the one place
# that names what the package uses), its CLI and job entry points, and its init_app.
CONFIG_READERS = {"settings.py", "cli.py", "jobs.py", "__init__.py"}


def test_services_take_their_settings_from_one_module() -> None:
    """Issue 17 item 1: domain services never reach into `current_app.config` themselves; each
    package reads its settings in `<package>/settings.py` (media.settings, wishes.settings …)."""
    reads = []
    for package in sorted((SHARED | DOMAINS) - FLOOR):
        folder = ROOT / package
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            if path.name in CONFIG_READERS:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr == "config"
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "current_app"
                ):
                    reads.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not reads, "read settings through <package>/settings.py: " + ", ".join(reads)
