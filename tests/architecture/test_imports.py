"""The house's import rules (.importlinter) hold, and they bite: a lazy import that closes a
circle, or a machine that imports boto3, breaks them. Imports inside functions count."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = str(Path(sys.executable).with_name("lint-imports"))


def _lint(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LINT, "--config", str(where / ".importlinter"), "--no-cache"],
                          cwd=where, capture_output=True, text=True, timeout=120)


def test_every_contract_is_kept():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout and "BROKEN" not in done.stdout


@pytest.fixture
def copy(tmp_path) -> Path:
    for name in ("chalicelib", "handlers", "cli"):
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__", "templates"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


@pytest.mark.parametrize("module, code, contract", [
    # A workspace reaching into clusters inside a function: a circle all the same.
    ("chalicelib/workspaces/commands.py",
     "def _lazy():\n    from ..clusters import commands\n", "No circles between sibling"),
    ("chalicelib/clusters/machine.py", "import boto3\n", "State machines import"),
    ("chalicelib/tasks/routes.py", "from ..store import records\n", "Routes, pages and shapes"),
    ("chalicelib/kernel/task.py", "def _lazy():\n    from ..engine import driver\n",
     "Concepts sit in layers"),
    ("chalicelib/api_keys/commands.py", "from ..clusters import steps\n", "Clusters' steps"),
])
def test_a_broken_rule_is_caught(copy, module, code, contract):
    path = copy / module
    path.write_text(path.read_text() + "\n\n" + code)
    done = _lint(copy)
    assert done.returncode != 0
    broken = [line for line in done.stdout.replace("\n", " ").split("KEPT") if "BROKEN" in line]
    assert any(contract in b for b in broken), done.stdout


def test_no_circle_among_the_modules_themselves():
    """Not only between packages: no two modules reach each other, by any path."""
    graph = grimp.build_graph("chalicelib", "handlers")
    ours = {m for m in graph.modules if m.split(".")[0] in ("chalicelib", "handlers")}
    circles = []
    for importer in sorted(ours):
        for imported in graph.find_modules_directly_imported_by(importer) & ours:
            if graph.chain_exists(importer=imported, imported=importer):
                circles.append(graph.find_shortest_chain(importer=imported, imported=importer))
    assert circles == []


def test_nothing_loose_at_the_top_of_chalicelib_but_wiring():
    loose = sorted(p.name for p in (ROOT / "chalicelib").glob("*.py"))
    assert loose == ["__init__.py", "bootstrap.py"]
