"""tests/ itself, checked with `ast`: a test module asks for a factory as a fixture (the
folder's conftest.py or tests/support/fixtures.py), it never imports a `tests.<folder>.factory`
module, and it never imports another test module (`test_*`): what two test modules share goes
to a factory, a conftest or tests/support. The lazy imports inside functions count too.

A folder's conftest.py and factory.py and the tests/support modules may import factories (they
are what the fixtures are made of).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

# Modules that make fixtures of factories (or are factories) and may import them.
MAY_IMPORT_FACTORIES = {"conftest.py", "factory.py"}


def _imports(tree: ast.AST, package: str) -> Iterable[tuple[int, str]]:
    """(line, module) of every module the tree imports, and of every name imported from a module
    (which may be a module itself: `from tests.wishes import factory`); `package` is the
    module's own package (for relative imports)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def _is_factory(dotted: str) -> bool:
    parts = dotted.split(".")
    return len(parts) == 3 and parts[0] == "tests" and parts[2] == "factory"


def _is_test_module(dotted: str) -> bool:
    parts = dotted.split(".")
    return len(parts) == 3 and parts[0] == "tests" and parts[2].startswith("test_")


def _found_in_tests(
    tests: Path, wrong: Callable[[str], bool], skip: set[str], *, support: bool
) -> list[str]:
    """`path:line imports module` for each module of tests/ (but the files named in `skip`, and
    tests/support unless `support`) importing a module that `wrong` picks."""
    found = []
    for path in sorted(tests.rglob("*.py")):
        rel = path.relative_to(tests)
        folder = rel.parts[0] if len(rel.parts) > 1 else ""
        if (folder == "support" and not support) or path.name in skip:
            continue
        package = ".".join(("tests", *rel.parts[:-1]))
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        lines = {(line, module) for line, module in _imports(tree, package) if wrong(module)}
        found += [
            f"tests/{rel.as_posix()}:{line} imports {module}" for line, module in sorted(lines)
        ]
    return found


def factory_imports_in_tests(tests: Path) -> list[str]:
    """`path:line imports module` for each test module that imports a factory."""
    return _found_in_tests(tests, _is_factory, MAY_IMPORT_FACTORIES, support=False)


def imports_of_test_modules(tests: Path) -> list[str]:
    """`path:line imports module` for each module of tests/ (conftests, factories and
    tests/support too) that imports a test module."""
    return _found_in_tests(tests, _is_test_module, set(), support=True)


def test_test_modules_ask_for_factories_as_fixtures() -> None:
    assert factory_imports_in_tests(TESTS) == []


def test_no_module_imports_a_test_module() -> None:
    assert imports_of_test_modules(TESTS) == []


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_checker_catches_every_form_of_import(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "wishes/factory.py": "def scene(world): ...\n",
            "wishes/conftest.py": "from tests.wishes.factory import scene\n",
            "wishes/test_plain.py": "from tests.wishes.factory import scene\n",
            "wishes/test_relative.py": "from .factory import scene\n",
            "wishes/test_module.py": "from tests.wishes import factory\n",
            "api/test_dotted.py": "import tests.wishes.factory as f\n",
            "api/test_lazy.py": "def test_x():\n    from tests.wishes.factory import scene\n",
            "api/test_fine.py": "from tests.support.images import image_bytes\n",
            "support/fixtures.py": "from tests.wishes import factory\n",
            "votes/test_old.py": "from tests.votes.factory import vote\n",
        },
    )
    assert factory_imports_in_tests(tmp_path) == [
        "tests/api/test_dotted.py:1 imports tests.wishes.factory",
        "tests/api/test_lazy.py:2 imports tests.wishes.factory",
        "tests/votes/test_old.py:1 imports tests.votes.factory",
        "tests/wishes/test_module.py:1 imports tests.wishes.factory",
        "tests/wishes/test_plain.py:1 imports tests.wishes.factory",
        "tests/wishes/test_relative.py:1 imports tests.wishes.factory",
    ]


def test_checker_catches_a_test_module_imported(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "zones/test_dangers.py": "def _openid_of(person): ...\n",
            "zones/test_points.py": "def t():\n    from tests.zones.test_dangers import f\n",
            "zones/test_relative.py": "from .test_dangers import _openid_of\n",
            "zones/test_package.py": "from tests.zones import test_dangers\n",
            "console/test_dotted.py": "import tests.zones.test_dangers\n",
            "console/conftest.py": "from tests.console.test_zones import _seed\n",
            "console/test_fine.py": "from tests.console.sign_in import client_sign_in\n",
            "api/test_testing.py": "from flask.testing import FlaskClient\n",
            "api/test_support.py": "from tests.support.testing_data import rows\n",
            "support/helpers.py": "from tests.api.test_gunicorn_live import exchange\n",
        },
    )
    assert imports_of_test_modules(tmp_path) == [
        "tests/console/conftest.py:1 imports tests.console.test_zones",
        "tests/console/test_dotted.py:1 imports tests.zones.test_dangers",
        "tests/support/helpers.py:1 imports tests.api.test_gunicorn_live",
        "tests/zones/test_package.py:1 imports tests.zones.test_dangers",
        "tests/zones/test_points.py:2 imports tests.zones.test_dangers",
        "tests/zones/test_relative.py:1 imports tests.zones.test_dangers",
    ]
