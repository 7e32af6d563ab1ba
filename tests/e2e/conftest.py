"""The `local_run` fixture: a `make run` platform of a test's own (tests/e2e/server.py)."""
from __future__ import annotations

import subprocess

import pytest

from tests.e2e.server import (LOG_TAIL_LINES, PLATFORM_PYTHON, ROOT, SDK_PYTHON, LocalRun, _ci,
                              _local_env, _stop, _tail, _wait_for_settings)


@pytest.fixture
def local_run(tmp_path, monkeypatch):
    """A `make run` platform of its own (ticking every second), torn down after the test;
    its log is printed when the test fails."""
    if not SDK_PYTHON.exists():
        message = (f"{SDK_PYTHON} is missing: `make sdk-venv` creates it "
                   "(bodosdk==2.3.2 needs pydantic v1, so it has a virtualenv of its own)")
        if _ci():
            pytest.fail(message + "; under CI `make test` must have created it")
        pytest.skip(message)
    for var in ("NO_PROXY", "no_proxy"):     # for boto3 here, on the loopback emulator
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    state_dir = tmp_path / "corral"
    server_log = tmp_path / "local-run.log"
    settings_file = state_dir / "local.json"
    # CORRAL_PORT=0: the OS picks a free loopback port; local.run writes the one it got.
    env = _local_env(CORRAL_PORT="0", CORRAL_STATE_DIR=str(state_dir), CORRAL_TICK_SECONDS="1",
                     PYTHONUNBUFFERED="1")
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID", "CORRAL_LOCAL_STATE"):
        env.pop(var, None)
    with server_log.open("wb") as log_file:
        server = subprocess.Popen([str(PLATFORM_PYTHON), "-m", "local.run"], cwd=ROOT, env=env,
                                  stdout=log_file, stderr=subprocess.STDOUT)
    try:
        yield LocalRun(_wait_for_settings(server, settings_file), settings_file, server_log)
    except BaseException:
        print(f"---- local.run log (last {LOG_TAIL_LINES} lines) ----\n{_tail(server_log)}")
        raise
    finally:
        _stop(server)
