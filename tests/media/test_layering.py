"""media/ and the floor modules import no domain: domains call down into media/ (and register
what it needs to know of them), never the other way round; and no domain imports another one's
photo or content-check code."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = {"accounts", "wishes", "votes", "pairings", "points", "roster", "notifications"}
DOORS = {"miniapp_api", "console", "web", "demo", "app"}


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports, lazily (inside functions) or not."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_media_imports_no_domain_and_no_door():
    files = sorted((ROOT / "media").glob("*.py"))
    assert files
    for path in files:
        wrong = imported_packages(path) & (DOMAINS | DOORS)
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_floor_modules_import_no_domain():
    for name in ("clock.py", "people.py"):
        wrong = imported_packages(ROOT / name) & (DOMAINS | DOORS | {"media"})
        assert not wrong, f"{name} imports {sorted(wrong)}"


def test_no_domain_imports_another_domains_photos_or_content_check():
    for domain in DOMAINS:
        for path in sorted((ROOT / domain).rglob("*.py")):
            for module in imported_modules(path):
                parts = module.split(".")
                if parts[0] in DOMAINS and parts[0] != domain:
                    assert not {"photos", "content_check", "storage"} & set(parts), (
                        f"{path.relative_to(ROOT)} imports {module}: use media/"
                    )


def test_the_checker_sees_lazy_imports(tmp_path):
    planted = tmp_path / "bad.py"
    planted.write_text("def f():\n    from wishes import services\n", encoding="utf-8")
    assert "wishes" in imported_packages(planted)
