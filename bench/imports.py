"""Benchmark: what a cold start pays to import the code, `import app` (the HTTP API's Lambda)
against `import boto3` (what any function that talks to AWS pays anyway), and the worker's and
the tick's own entry points (`handlers.worker`, `handlers.tick`: what their Lambdas import).

Each figure is the median over fresh interpreters (`python -c "import X"`, wall time, run in
turns so that a busy machine slows every statement alike); the ratio is the median of each
turn's ratio. Two conditions:

- as this environment runs Python (here PYTHONDONTWRITEBYTECODE=1 and no __pycache__ in the
  project: the project's own modules are compiled at every import, the installed packages
  come from their bytecode). Issue 8's 1.9x was measured this way.
- with bytecode cached for every module (PYTHONPYCACHEPREFIX in a temporary folder, written
  by one warm-up run): Python's default after a first run.
- with no bytecode for any module (PYTHONDONTWRITEBYTECODE=1 and an empty PYTHONPYCACHEPREFIX):
  what a Lambda cold start does with the package `chalice package` builds, which carries
  sources only, boto3 and botocore included (requirements.txt vendors them).

It also lists which of the heavy, HTTP-only modules (templates, password hashing, JWT and the
`cryptography` PyJWT pulls in when it is installed) each entry point loads."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.5
BEFORE = 1.9            # issue 8, measured before the HTTP-only modules were made lazy
STATEMENTS = {"boto3": "import boto3", "app": "import app",
              "worker + tick": "import handlers.worker, handlers.tick"}
HEAVY = ("jinja2", "argon2", "jwt", "cryptography", "chalicelib.clusters.steps",
         "chalicelib.cloud.fleet")


def _env(bytecode_dir: str | None, write: bool = True) -> dict[str, str]:
    env = dict(os.environ)
    if bytecode_dir is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if not write:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = bytecode_dir
    return env


def _run(statement: str, env: dict[str, str], root: Path = ROOT) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], cwd=root, env=env, check=True)
    return time.perf_counter() - started


def time_imports(runs: int, env: dict[str, str], root: Path = ROOT) -> dict[str, list[float]]:
    """Seconds per fresh-process import, `runs` turns of every statement."""
    times: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    for _ in range(runs):
        for name, statement in STATEMENTS.items():
            times[name].append(_run(statement, env, root))
    return times


def loaded(statement: str, env: dict[str, str] | None = None) -> list[str]:
    """Which of HEAVY a fresh interpreter holds after `statement`."""
    probe = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env or dict(os.environ),
                         check=True, capture_output=True, text=True).stdout
    modules = set(json.loads(out.splitlines()[-1]))
    return [m for m in HEAVY if m in modules]


def ratio(times: dict[str, list[float]], name: str) -> float:
    return statistics.median(a / b for a, b in zip(times[name], times["boto3"]))


def measure(runs: int = 10, root: Path = ROOT) -> dict[str, dict[str, list[float]]]:
    """`root`: the source tree to import from (another checkout, to compare)."""
    with tempfile.TemporaryDirectory(prefix="corral-bytecode-") as bytecode, \
            tempfile.TemporaryDirectory(prefix="corral-no-bytecode-") as empty:
        cached = _env(bytecode)
        for statement in STATEMENTS.values():   # write every module's bytecode once
            _run(statement, cached, root)
        return {"as this environment runs Python": time_imports(runs, _env(None), root),
                "bytecode cached for every module": time_imports(runs, cached, root),
                "no bytecode for any module (a Lambda cold start on chalice's package)":
                    time_imports(max(1, runs // 2), _env(empty, write=False), root)}


def report(results: dict[str, dict[str, list[float]]], out=print) -> None:
    out("=" * 92)
    out("Import time: `import app` against `import boto3` (fresh processes, median)")
    out("=" * 92)
    flag = os.environ.get("PYTHONDONTWRITEBYTECODE", "")
    out(f"this environment: PYTHONDONTWRITEBYTECODE={flag or '(unset)'}")
    for condition, times in results.items():
        runs = len(times["boto3"])
        out(f"\n{condition} ({runs} runs each):")
        for name in STATEMENTS:
            ms = statistics.median(times[name]) * 1e3
            extra = "" if name == "boto3" else f"   {ratio(times, name):.2f}x import boto3"
            out(f"  import {name:<14}{ms:>7.0f} ms{extra}")
    first = next(iter(results.values()))
    out(f"\n`import app` / `import boto3`: {ratio(first, 'app'):.2f}x now, {BEFORE}x before "
        f"(issue 8), target at most {TARGET}x")
    for name, statement in STATEMENTS.items():
        if name != "boto3":
            heavy = loaded(statement)
            out(f"  import {name} loads: {', '.join(heavy) if heavy else 'none'} of "
                f"{', '.join(HEAVY)}")


def main(out=print) -> None:
    report(measure(), out=out)
