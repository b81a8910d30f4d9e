"""The benchmark's report, from made-up results: every target checked, its own block of docs/performance.md,
the verdict on capacity, what the header says about the box, partial runs never published."""
import pytest

from bench import report

from .fakes import results


def test_report_passes_a_run_that_meets_every_target():
    assert all(ok for _target, _measured, ok in report.checks(results()))


@pytest.mark.parametrize("change, failing", [
    ({"poll_rps": 500.0}, "poll ≥ 35%"), ({"mix_capacity": 200.0}, "capacity at SLO"),
    ({"overhead_p95": 150.0}, "overhead"),
    ({"memory": 400.0}, "web workers + one RQ worker"), ({"replies_per_s": 30.0}, "replies/s"),
    ({"missing": 1}, "exactly once"), ({"doubled": 2}, "exactly once"), ({"rss": 230.0}, "worker's process tree"),
])
def test_report_flags_each_missed_target(change, failing):
    missed = [target for target, _measured, ok in report.checks(results(**change)) if not ok]
    assert missed and all(failing in target for target in missed)


def test_report_replaces_only_its_own_block_in_the_performance_doc(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Performance\n\nintro\n\n{report.BEGIN}\nold\n{report.END}\n\n## Analytics\n\nkept\n")
    report.write(doc, results(), "python -m bench run --quick")
    text = doc.read_text()
    assert "old" not in text and "python -m bench run --quick" in text
    assert text.startswith("# Performance\n\nintro") and text.endswith("## Analytics\n\nkept\n")


def test_the_report_says_which_environment_the_app_ran_in():
    run = results()
    assert "requirements.txt alone" not in report.markdown(run, "cmd")
    run["app_python"] = {"path": "/x/bin/python", "requirements_only": True}
    assert "virtualenv of requirements.txt alone" in report.markdown(run, "cmd")


def test_the_latency_verdict_is_the_mixs_capacity_at_slo_as_a_share_of_the_bare_views():
    run = results(p99=400.0, mix_capacity=300.0)  # saturated closed-loop p99s say nothing: no verdict on them
    assert all(ok for _target, _measured, ok in report.checks(run))
    text = report.markdown(run, "cmd")
    assert "| 25% (300 of 1200 arrivals/s) | ✅ |" in text
    assert "| widget mix | 300 | 50% |" in text and "| ceiling (the bare view) | 1200 | 60% |" in text
    assert "| widget mix | 330 | ❌ | 330 | 3.0 | 9.0 | 400.0 |" in text
    run["capacity"]["mixed"]["capped"] = True  # every rate tried met it: at least that much
    assert "| widget mix | ≥ 300 | 50% |" in report.markdown(run, "cmd")
    run["capacity"]["ceiling"]["rate"] = 0.0  # the bare view missed it even at its lowest rate: no ratio
    assert [ok for target, _m, ok in report.checks(run) if "capacity" in target] == [False]


def test_the_report_header_says_how_fast_the_box_ran_python_before_and_after():
    from bench import run as bench_run

    assert bench_run.cpu_probe_ms(steps=10_000, tries=1) >= 0
    results_ = results()
    assert "Python loop" not in report.markdown(results_, "cmd")  # older JSON: no probe, no claim
    results_["machine"]["cpu_probe_ms"], results_["cpu_probe_ms_after"] = 80, 95
    assert "a 2-million-step Python loop took 80 ms before and 95 ms after" in report.markdown(results_, "cmd")
    assert "other work shared the box" not in report.markdown(results_, "cmd")
    results_["machine"]["load_average"], results_["load_average_after"] = [1.2, 1.0, 0.9], [6.3, 4.0, 2.0]
    assert "the load average reached 6.3: other work shared the box" in report.markdown(results_, "cmd")


def test_a_partial_run_is_chosen_by_name_and_never_written_as_the_published_results(capsys):
    from bench import __main__ as cli

    assert cli._scenarios("new_visitor, mixed") == ("new_visitor", "mixed")
    for bad in ("", "poll,bogus"):
        with pytest.raises(Exception, match="choose from poll, new_visitor, mixed"):
            cli._scenarios(bad)
    with pytest.raises(SystemExit):
        cli.main(["run", "--only", "poll", "--write", "docs/performance.md"])
    assert "needs a whole run" in capsys.readouterr().err
