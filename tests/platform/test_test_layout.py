"""tests/ itself, checked with `ast`: a test module asks for a factory as a fixture (the
folder's conftest.py or tests/support/fixtures.py), it never imports a `tests.<folder>.factory`
module. The lazy imports inside functions count too.

A folder's conftest.py and factory.py and the tests/support modules may import factories (they
are what the fixtures are made of). The folders in `NOT_CONVERTED_YET` still import them from
their test modules; shrink the set as each is converted, until it is empty.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

# Folders of tests/ whose test modules still import factory functions directly.
NOT_CONVERTED_YET = frozenset({"votes", "accounts"})

# Modules that make fixtures of factories (or are factories) and may import them.
MAY_IMPORT_FACTORIES = {"conftest.py", "factory.py"}


def _factory_imports(tree: ast.AST, package: str) -> Iterable[tuple[int, str]]:
    """(line, module) of every import of a `tests.<folder>.factory` module in the tree;
    `package` is the module's own package (for relative imports)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_factory(alias.name):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            if _is_factory(base):
                yield node.lineno, base
            for alias in node.names:
                if _is_factory(f"{base}.{alias.name}"):
                    yield node.lineno, f"{base}.{alias.name}"


def _is_factory(dotted: str) -> bool:
    parts = dotted.split(".")
    return len(parts) == 3 and parts[0] == "tests" and parts[2] == "factory"


def factory_imports_in_tests(tests: Path) -> list[str]:
    """`path:line imports module` for each test module outside the folders not converted yet
    that imports a factory."""
    found = []
    for path in sorted(tests.rglob("*.py")):
        rel = path.relative_to(tests)
        folder = rel.parts[0] if len(rel.parts) > 1 else ""
        if folder == "support" or folder in NOT_CONVERTED_YET or path.name in MAY_IMPORT_FACTORIES:
            continue
        package = ".".join(("tests", *rel.parts[:-1]))
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += [
            f"tests/{rel.as_posix()}:{line} imports {module}"
            for line, module in _factory_imports(tree, package)
        ]
    return found


def test_test_modules_ask_for_factories_as_fixtures() -> None:
    assert factory_imports_in_tests(TESTS) == []


def test_the_folders_not_converted_yet_exist() -> None:
    """A name left in the exception list after its folder went away would hide nothing but
    mislead: the list names real folders."""
    assert all((TESTS / folder).is_dir() for folder in NOT_CONVERTED_YET)


def test_checker_catches_every_form_of_import(tmp_path: Path) -> None:
    files = {
        "wishes/factory.py": "def scene(world): ...\n",
        "wishes/conftest.py": "from tests.wishes.factory import scene\n",
        "wishes/test_plain.py": "from tests.wishes.factory import scene\n",
        "wishes/test_relative.py": "from .factory import scene\n",
        "wishes/test_module.py": "from tests.wishes import factory\n",
        "api/test_dotted.py": "import tests.wishes.factory as f\n",
        "api/test_lazy.py": "def test_x():\n    from tests.wishes.factory import scene\n",
        "api/test_fine.py": "from tests.support.images import image_bytes\n",
        "support/fixtures.py": "from tests.wishes import factory\n",
        "votes/test_old.py": "from tests.wishes.factory import scene\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert factory_imports_in_tests(tmp_path) == [
        "tests/api/test_dotted.py:1 imports tests.wishes.factory",
        "tests/api/test_lazy.py:2 imports tests.wishes.factory",
        "tests/wishes/test_module.py:1 imports tests.wishes.factory",
        "tests/wishes/test_plain.py:1 imports tests.wishes.factory",
        "tests/wishes/test_relative.py:1 imports tests.wishes.factory",
    ]
