"""The parts and which may import which (docs/developers.md draws them): imports run one way."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys

import pytest

from tests.support import ROOT

# What each part may not import, besides the parts that call it.
FORBIDDEN = {
    "core": ("pelican", "plugins", "forms", "office", "tasks"),
    "forms": ("pelican", "plugins", "office", "tasks"),
    "plugins": ("forms", "office", "tasks"),
    "office": ("plugins", "tasks"),
}


def imports(path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("part", FORBIDDEN)
def test_a_part_imports_none_of_its_callers(part):
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / part).rglob("*.py"))
        for module in sorted(imports(path))
        if module.split(".")[0] in FORBIDDEN[part]
    ]
    assert wrong == []


def test_the_handler_loads_nothing_of_pelican_the_plugins_or_the_office(tmp_path):
    """What a cloud function imports, checked in a fresh interpreter."""
    script = (
        "import sys, forms.app, forms.wsgi, forms.lambda_function;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pelican', 'plugins', 'office', 'tasks'}))"
    )
    env = {"FORMS_INBOX": str(tmp_path / "inbox"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_module_in_plugins_is_a_pelican_plugin():
    found = [path.stem for path in (ROOT / "plugins").glob("*.py") if path.name != "__init__.py"]
    found += [path.parent.name for path in (ROOT / "plugins").glob("*/__init__.py")]
    assert found and [name for name in found if not callable(getattr(importlib.import_module(f"plugins.{name}"), "register", None))] == []  # fmt: skip


def test_every_plugin_of_ours_is_in_the_settings():
    from pelicanconf import PLUGINS

    ours = {f"plugins.{path.stem}" for path in (ROOT / "plugins").glob("*.py") if path.name != "__init__.py"}
    ours |= {f"plugins.{path.parent.name}" for path in (ROOT / "plugins").glob("*/__init__.py")}
    assert sorted(ours - set(PLUGINS)) == []
