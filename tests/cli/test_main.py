"""`main()`, what .venv/bin/corral runs: the exit codes a script sees, with no platform at all."""
from __future__ import annotations

import json

from cli.main import main


def test_exit_codes_without_a_platform(capsys, monkeypatch, tmp_path, dead_url):
    NO_KEY = ("--api-url", dead_url, "--client-id", "x", "--secret", "y")
    monkeypatch.chdir(tmp_path)
    for var in ("CORRAL_API_URL", "CORRAL_CLIENT_ID", "CORRAL_SECRET"):
        monkeypatch.delenv(var, raising=False)
    assert main(["--help"]) == 0
    assert "Exit codes: 0 done; 1 the API refused" in capsys.readouterr().out
    assert main(["clusters", "nope"]) == 2
    assert "No such command 'nope'" in capsys.readouterr().err
    assert main(["clusters", "list"]) == 3
    assert "missing --api-url" in capsys.readouterr().err
    assert main([*NO_KEY, "clusters", "list"]) == 3
    assert f"cannot reach the platform at {dead_url}" in capsys.readouterr().err
    assert main([*NO_KEY, "-o", "json", "usage"]) == 3
    assert json.loads(capsys.readouterr().out)["exitCode"] == 3
    assert main([*NO_KEY, "usage", "--from", "2025-13-01"]) == 2
