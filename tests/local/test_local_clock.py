"""The local platform's clock (local/clock.py): the wall clock plus an offset in the state
directory, moved forward only by `python -m local.clock`; the running platform sees a move at
once and its pump ticks for it. The wall clock here is a fake one: nothing waits on time."""
from __future__ import annotations

import json
import subprocess
import threading

import pytest

from local import clock as lc
from local.pump import Pump
from tests.e2e.server import PLATFORM_PYTHON, ROOT, _local_env

T0 = 1_900_000_000.0


class Wall:
    """A wall clock that moves only when told to (and may be stepped back, as NTP does)."""

    def __init__(self, t: float = T0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.mark.parametrize("text, seconds", [
    ("3600", 3600), ("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86400), (" 1.5h ", 5400)])
def test_durations(text, seconds):
    assert lc.parse_duration(text) == seconds


@pytest.mark.parametrize("text, words", [
    ("", "not a duration"), ("-5", "not a duration"), ("1w", "not a duration"),
    ("ten", "not a duration"), ("0", "above 0"), ("0m", "above 0"),
    ("4000d", "more than ten years")])
def test_bad_durations_say_why(text, words):
    with pytest.raises(lc.ClockError, match=words):
        lc.parse_duration(text)


def test_instants_need_a_zone():
    assert lc.parse_instant("2027-01-01T05:59:00Z") == 1798783140
    assert lc.parse_instant("2027-01-01T06:59:00+01:00") == 1798783140
    with pytest.raises(lc.ClockError, match="has no zone"):
        lc.parse_instant("2027-01-01T05:59:00")
    with pytest.raises(lc.ClockError, match="not an ISO 8601 time"):
        lc.parse_instant("tomorrow")


def test_advance_and_set_move_forward_and_never_back(tmp_path):
    wall = Wall()
    f = lc.ClockFile(tmp_path)
    assert f.read() == 0 and not f.path.exists()
    assert f.advance(600, wall) == 600
    assert f.advance(60, wall) == 660
    assert f.set(T0 + 3600, wall) == 3600
    with pytest.raises(lc.ClockError, match="time never goes backwards"):
        f.set(T0 + 3599, wall)
    with pytest.raises(lc.ClockError, match="only moves forward"):
        f.advance(0, wall)
    assert f.read() == 3600                       # the refusals changed nothing
    wall.t += 100                                 # the wall clock moves on: so does the platform
    with pytest.raises(lc.ClockError, match="backwards"):
        f.set(T0 + 3650, wall)
    assert f.set(T0 + 3700, wall) == 3600         # exactly now: no move
    saved = json.loads(f.path.read_text())
    assert saved["offset_seconds"] == 3600 and saved["platform_time_then"].endswith("Z")


@pytest.mark.parametrize("content, words", [
    ("not json", "not a clock file"), ('{"offset": 5}', "not a clock file"),
    ('{"offset_seconds": -1}', "0 or more"), ('{"offset_seconds": "1h"}', "number"),
    ('{"offset_seconds": true}', "number"), ('{"offset_seconds": NaN}', "number")])
def test_a_broken_file_is_refused_with_what_to_do(tmp_path, content, words):
    (tmp_path / lc.FILE_NAME).write_text(content)
    with pytest.raises(lc.ClockError, match=words):
        lc.ClockFile(tmp_path).read()
    with pytest.raises(lc.ClockError):
        lc.ClockFile(tmp_path).advance(60)        # nothing is built on a file it cannot read


def test_advances_at_once_all_count(tmp_path):
    f = lc.ClockFile(tmp_path)
    threads = [threading.Thread(target=lambda: [f.advance(1) for _ in range(10)])
               for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert f.read() == 60


def test_the_platform_sees_a_move_at_once_and_time_never_goes_back(tmp_path):
    wall = Wall()
    platform = lc.LocalClock(tmp_path, wall)
    assert platform() == T0 and platform.offset() == 0
    lc.ClockFile(tmp_path).advance(3600, wall)
    assert platform() == T0 + 3600                 # the next read, no waiting
    lc.ClockFile(tmp_path).advance(1, wall)
    assert platform() == T0 + 3601
    wall.t -= 30                                    # the wall clock steps back: time stands
    assert platform() == T0 + 3601
    (tmp_path / lc.FILE_NAME).unlink()              # the offset deleted while it runs: stands
    assert platform() == T0 + 3601 and platform.offset() == 0
    wall.t = T0 + 4000
    assert platform() == T0 + 4000


def test_a_file_broken_while_it_runs_keeps_the_offset_in_force(tmp_path):
    wall = Wall()
    platform = lc.LocalClock(tmp_path, wall)
    lc.ClockFile(tmp_path).advance(120, wall)
    assert platform() == T0 + 120
    (tmp_path / lc.FILE_NAME).write_text("{half a fi")
    assert platform() == T0 + 120
    lc.ClockFile(tmp_path).path.write_text(json.dumps({"offset_seconds": 180}))
    assert platform() == T0 + 180


def test_the_command(tmp_path, capsys):
    state = str(tmp_path)
    assert lc.main(["--state-dir", state, "show"]) == 0
    assert "0 s ahead" in capsys.readouterr().out
    assert lc.main(["--state-dir", state, "advance", "2h"]) == 0
    assert "7200 s ahead" in capsys.readouterr().out
    assert lc.main(["--state-dir", state, "set", "2001-01-01T00:00:00Z"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("local.clock: time never goes backwards: the platform's clock is at")
    assert lc.main(["--state-dir", state, "advance", "soon"]) == 2
    assert "not a duration" in capsys.readouterr().err
    assert lc.ClockFile(tmp_path).read() == 7200


def test_the_command_as_documented_reads_the_state_dir_from_the_environment(tmp_path):
    env = _local_env(CORRAL_STATE_DIR=str(tmp_path))
    done = subprocess.run([str(PLATFORM_PYTHON), "-m", "local.clock", "advance", "90m"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "5400 s ahead" in done.stdout and lc.ClockFile(tmp_path).read() == 5400


def test_make_run_refuses_to_start_on_a_broken_clock_file(tmp_path):
    (tmp_path / lc.FILE_NAME).write_text('{"offset_seconds": -3}')
    env = _local_env(CORRAL_STATE_DIR=str(tmp_path), CORRAL_PORT="0")
    done = subprocess.run([str(PLATFORM_PYTHON), "-m", "local.run"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "clock.json: offset_seconds must be a number of seconds, 0 or more" in done.stderr
    assert not (tmp_path / "local.json").exists()


def test_the_pump_ticks_as_soon_as_the_clock_moves(tmp_path):
    """A pump ticking every hour (of real time) ticks once at its start, then at each move of
    the clock, and not otherwise."""
    platform = lc.LocalClock(tmp_path)
    pump = Pump.__new__(Pump)
    stop, ticked = threading.Event(), threading.Semaphore(0)
    ticks: list[float] = []

    def tick():
        ticks.append(platform())
        ticked.release()

    pump.tick = tick
    pump.drain = lambda wait_seconds=0: stop.wait(0.005) and 0   # a long poll, shortened
    runner = threading.Thread(target=pump.run_forever, args=(stop, 3600, platform.offset))
    runner.start()
    try:
        assert ticked.acquire(timeout=30)                            # the start's tick
        lc.ClockFile(tmp_path).advance(7200)
        assert ticked.acquire(timeout=30)                            # the move's tick
        lc.ClockFile(tmp_path).advance(60)
        assert ticked.acquire(timeout=30)
    finally:
        stop.set()
        runner.join(10)
    assert len(ticks) == 3, ticks
    assert ticks[1] - ticks[0] >= 7200 and ticks[2] - ticks[1] >= 60
