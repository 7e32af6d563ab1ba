"""What a cold start imports. The worker's and the tick's Lambdas import `handlers.worker` and
`handlers.tick` (see tests/packaging): they load no page, template, password hashing or JWT.
The HTTP app (`import app`) registers every route but loads Jinja2, argon2 and PyJWT (with the
`cryptography` it pulls in when installed) on first use, and the steps' side effects and cloud
adapters only when a step runs. Each import is checked in a fresh interpreter."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTTP_ONLY = ("jinja2", "argon2", "jwt", "cryptography", "chalicelib.web.pages",
             "chalicelib.identity.pages", "chalicelib.linking.pages", "chalicelib.identity.users",
             "chalicelib.identity.sessions", "chalicelib.identity.tokens")
LAZY_IN_APP = ("jinja2", "argon2", "jwt", "cryptography", "chalicelib.clusters.steps",
               "chalicelib.workspaces.steps", "chalicelib.image_shares.steps",
               "chalicelib.cloud.fleet")


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def _loaded(modules: set[str], names) -> list[str]:
    return [n for n in names if any(m == n or m.startswith(n + ".") for m in modules)]


@pytest.mark.parametrize("handler", ["handlers.worker", "handlers.tick"])
def test_worker_and_tick_load_no_pages_templates_passwords_or_tokens(handler):
    modules = _modules_after(f"import {handler}")
    assert _loaded(modules, HTTP_ONLY) == []
    assert not [m for m in modules if m.endswith((".routes", ".pages", ".shapes"))]


def test_the_app_loads_templates_password_hashing_jwt_and_steps_on_first_use():
    assert _loaded(_modules_after("import app"), LAZY_IN_APP) == []


def test_what_the_app_defers_still_loads_when_used():
    modules = _modules_after(
        "import app\n"
        "from chalicelib.web import pages\n"
        "pages._env().get_template('message.html')\n"
        "from chalicelib.identity import users, tokens\n"
        "users.hash_password('correct horse battery')\n"
        "tokens.jwt()\n"
        "from chalicelib import bootstrap\n"
        "from chalicelib.engine import registry\n"
        "from chalicelib.clusters import machine\n"
        "try:\n"
        "    registry.get('cluster').run(machine.Step.FINISH_REMOVAL, None)\n"
        "except AttributeError:\n"   # no state given: the step was reached, that is enough
        "    pass\n")
    assert _loaded(modules, ("jinja2", "argon2", "jwt", "chalicelib.clusters.steps")) == [
        "jinja2", "argon2", "jwt", "chalicelib.clusters.steps"]
