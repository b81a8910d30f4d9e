"""`python -m bench run [--quick] [--write docs/performance.md] [--json out.json] [--app-python PATH]
[--only poll,new_visitor,mixed,ai] [--skip-ai] [--peak-visitors N] [--ai-concurrency N]`."""
import argparse
import json
import sys
from dataclasses import replace

from . import report
from .run import SCENARIOS, Settings, run


def _scenarios(text):
    """Web scenarios by name; `ai` alone runs the AI phases without any web scenario."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = sorted(set(names) - set(SCENARIOS) - {"ai"})
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(SCENARIOS)}, ai"
                                         + (f"; not {', '.join(unknown)}" if unknown else ""))
    return tuple(name for name in names if name != "ai")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("run", help="start the stack on 127.0.0.1 and measure it")
    cmd.add_argument("--quick", action="store_true", help="5 s per scenario and fewer samples")
    cmd.add_argument("--seconds", type=int, help="duration of each wrk scenario")
    cmd.add_argument("--connections", type=int, help="wrk connections (default 64)")
    cmd.add_argument("--web-concurrency", type=int, help="gunicorn sync workers (default 1, production's default)")
    cmd.add_argument("--llm-latency-ms", type=int, help="stub LLM latency (default 300)")
    cmd.add_argument("--app-python", metavar="PATH",
                     help="interpreter for the app's processes (default: a virtualenv of requirements.txt alone, "
                          "made once under .bench-venv/)")
    cmd.add_argument("--only", metavar="NAMES", type=_scenarios,
                     help="comma-separated web scenarios to run (poll, new_visitor, mixed; `ai` alone: none, only "
                          "the AI phases), e.g. while working on one path; the report then checks only what ran")
    cmd.add_argument("--skip-ai", action="store_true", help="skip the AI overhead and AI-at-peak phases")
    cmd.add_argument("--peak-visitors", type=int, help="AI at peak: visitors asking at once (default 300)")
    cmd.add_argument("--ai-concurrency", type=int,
                     help="AI at peak: the worker's AI_CONCURRENCY (default: render.yaml's)")
    cmd.add_argument("--peak-latencies-ms", metavar="MS,MS",
                     type=lambda text: tuple(int(ms) / 1000 for ms in text.split(",")),
                     help="AI at peak: the LLM's time to the first token, one row each (default 300,2000)")
    cmd.add_argument("--write", metavar="PATH", help="replace the results block of this Markdown file")
    cmd.add_argument("--json", metavar="PATH", help="also save the raw results as JSON")
    cmd.add_argument("--keep-database", action="store_true", help="keep lucine_benchrun for inspection")
    args = parser.parse_args(argv)
    if args.write and (args.only is not None or args.skip_ai):
        parser.error("--write replaces the published results: it needs a whole run (no --only, no --skip-ai)")

    settings = Settings.quick() if args.quick else Settings()
    overrides = {"seconds": args.seconds, "connections": args.connections,
                 "web_concurrency": args.web_concurrency, "app_python": args.app_python,
                 "scenarios": args.only, "ai": False if args.skip_ai else None,
                 "peak_visitors": args.peak_visitors, "ai_concurrency": args.ai_concurrency,
                 "peak_latencies": args.peak_latencies_ms,
                 "llm_latency": args.llm_latency_ms / 1000 if args.llm_latency_ms is not None else None}
    settings = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    results = run(settings, keep_database=args.keep_database, log=lambda text: print(f"· {text}", flush=True))
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    print(report.markdown(results, command))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2, default=str)
    if args.write:
        report.write(args.write, results, command)
    return 0 if all(ok for _target, _measured, ok in report.checks(results)) else 1


if __name__ == "__main__":
    sys.exit(main())
