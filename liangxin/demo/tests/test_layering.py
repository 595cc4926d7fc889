"""The demo builds on the other apps and nothing builds on it: no module outside ``liangxin.demo``
(tests included) imports it. The login page and the password policy reach it through
``core.demo_logins``."""

import ast
from pathlib import Path

import liangxin

ROOT = Path(liangxin.__file__).resolve().parent
DEMO = ROOT / "demo"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _imports_demo(path: Path) -> bool:
    return any(name == "liangxin.demo" or name.startswith("liangxin.demo.") for name in _imports(path))


def test_no_module_outside_the_demo_imports_it():
    offenders = sorted(
        str(path.relative_to(ROOT.parent))
        for path in ROOT.rglob("*.py")
        if DEMO not in path.parents and _imports_demo(path)
    )
    assert offenders == []


def test_the_check_sees_an_import_of_the_demo(tmp_path):
    for text in (
        "from liangxin.demo.load import load_demo\n",
        "import liangxin.demo.accounts\n",
        "from liangxin import demo\n",
    ):
        module = tmp_path / "m.py"
        module.write_text(text, encoding="utf-8")
        assert _imports_demo(module), text
