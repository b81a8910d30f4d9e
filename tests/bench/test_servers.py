"""The benchmark's servers: the app's own virtualenv of requirements.txt, the server time read from the access
log, the box's CPU share."""
from pathlib import Path

from bench import report

from .fakes import results


def test_the_apps_virtualenv_is_keyed_by_requirements_and_python_version(tmp_path):
    from bench.servers import appenv

    requirements = tmp_path / "requirements.txt"
    requirements.write_text("Flask==3.1.3\n")
    first = appenv.venv_dir(requirements, tmp_path, "3.11.7")
    assert first == appenv.venv_dir(requirements, tmp_path, "3.11.7")
    assert first != appenv.venv_dir(requirements, tmp_path, "3.12.1")
    requirements.write_text("Flask==3.1.4\n")
    assert first != appenv.venv_dir(requirements, tmp_path, "3.11.7")


def test_a_finished_virtualenv_is_reused_and_a_half_made_one_is_made_again(tmp_path, monkeypatch):
    from bench.servers import appenv

    requirements = tmp_path / "requirements.txt"
    requirements.write_text("Flask==3.1.3\n")
    venv = appenv.venv_dir(requirements, tmp_path)
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    made = []
    monkeypatch.setattr(appenv, "_run", made.append)
    appenv.production_python(requirements, tmp_path, log=lambda _text: None)
    assert [argv[1:3] for argv in made] == [["-m", "venv"], ["-m", "pip"]]  # no marker: pip never finished
    made.clear()
    assert appenv.production_python(requirements, tmp_path, log=lambda _text: None) == str(venv / "bin" / "python")
    assert made == []


def test_making_a_new_virtualenv_removes_the_ones_for_older_requirements(tmp_path, monkeypatch):
    from bench.servers import appenv

    requirements = tmp_path / "requirements.txt"
    requirements.write_text("Flask==3.1.3\n")
    (tmp_path / "venvs" / "0123456789abcdef").mkdir(parents=True)
    monkeypatch.setattr(appenv, "_run", lambda argv: (Path(argv[-1]) / "bin").mkdir(parents=True)
                        if argv[1:3] == ["-m", "venv"] else None)
    python = appenv.production_python(requirements, tmp_path / "venvs", log=lambda _text: None)
    assert [p.name for p in (tmp_path / "venvs").iterdir()] == [Path(python).parent.parent.name]


def test_the_server_time_comes_from_the_access_log_lines_written_during_the_scenario(tmp_path):
    from bench.servers import stack

    log = tmp_path / "web.log"
    log.write_text('- 127.0.0.1 "GET /api/health HTTP/1.1" 200 257 40ms "urllib"\n')
    access = stack.AccessLog(log)
    since = access.offset()
    with open(log, "a") as handle:
        handle.write('- 127.0.0.1 "GET /api/chat/poll/… HTTP/1.1" 200 90 1ms "-"\n'
                     "[2026-12-02 09:03:33 +0000] [1653] [INFO] Booting worker with pid: 1654\n"
                     '203.0.113.9 127.0.0.1 "POST /api/chat HTTP/1.1" 202 273 7ms "Mozilla \\"x\\" 5ms"\n')
    assert access.server_ms(since) == [1, 7]
    row = {**results()["load"]["poll"], "server_ms": {"p50": 1, "p99": 7}}
    assert "| 1 / 7 |" in report.markdown({**results(), "load": {"poll": row}}, "cmd")


def test_the_box_share_counts_busy_and_stolen_time_of_all_cores_and_guest_time_once():
    from collections import namedtuple

    from bench.servers import stack

    Times = namedtuple("Times", "user nice system idle iowait irq softirq steal guest guest_nice")
    before = Times(100, 0, 50, 1000, 5, 0, 1, 10, 0, 0)
    # 10 s of two cores: 9 user (of which 4 guest, counted inside user), 3 system, 5 idle, 1 iowait, 2 steal
    after = Times(109, 0, 53, 1005, 6, 0, 1, 12, 4, 0)
    assert stack.box_share(before, after) == {"busy_pct": 60.0, "steal_pct": 10.0}
    assert stack.box_share(before, before) == {"busy_pct": 0.0, "steal_pct": 0.0}
    real = stack.box_share(stack.box_times(), stack.box_times())
    assert 0 <= real["busy_pct"] <= 100 and 0 <= real["steal_pct"] <= 100
    row = {**results()["load"]["poll"], "box": {"busy_pct": 71.4, "steal_pct": 6.6}}
    text = report.markdown({**results(), "load": {"poll": row}}, "cmd")
    assert "| 71 / 7 |" in text and "took 7–7 % of the box's CPU time" in text and "judge them on a run" in text
    quiet = {**row, "box": {"busy_pct": 71.4, "steal_pct": 1.2}}
    text = report.markdown({**results(), "load": {"poll": quiet}}, "cmd")
    assert "took 1–1 % of the box's CPU time during the scenarios (steal);" in text and "judge them" not in text
