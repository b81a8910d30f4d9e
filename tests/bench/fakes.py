"""What the benchmark's tests share: a run's results as report.py reads them, and local HTTP servers."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def paced_row(name, rate, p99, errors=0):
    return {"name": name, "connections": 64, "offered_rps": rate, "rps": rate, "requests": int(rate * 5),
            "errors": errors, "error_detail": {"timeout": errors} if errors else {}, "p50_ms": 3.0, "p95_ms": 9.0,
            "p99_ms": p99, "max_ms": 2 * p99, "send_lag_p99_ms": 2.0, "client_cpu_ms_per_request": 0.3,
            "meets_slo": p99 <= 100 and not errors}


def capacity(name, rate, high):
    steps = [paced_row(name, high / 10, 20.0), paced_row(name, rate, 90.0), paced_row(name, rate * 1.1, 400.0)]
    return {"rate": rate, "low": high / 10, "high": high, "limit_ms": 100, "capped": False, "steps": steps}


def peak_row(first_token_s=0.3, replies_per_s=45.0, missing=0, doubled=0, rss=150.0):
    return {"visitors": 300, "first_token_s": first_token_s, "llm_seconds": first_token_s + 0.05,
            "ai_concurrency": 16, "capacity_rule": round(16 / (first_token_s + 0.05), 1),
            "replies_per_s": replies_per_s, "messages": 300, "replies": 300 - missing + doubled, "missing": missing,
            "doubled": doubled, "exactly_once": not (missing or doubled), "seconds": 7.0, "wall_seconds": 8.0,
            "providers": {"openai": 300 - missing}, "draft_s": {"n": 40, "p50": 2.1, "p95": 6.0, "max": 6.5},
            "reply_s": {"n": 300, "p50": 3.9, "p95": 7.2, "max": 7.6},
            "first_words_s": {"n": 300, "p50": 3.5, "p95": 7.0, "max": 7.6},
            "server_reply_s": {"n": 300, "p50": 3.5, "p95": 6.6, "max": 7.0}, "visitor_errors": {},
            "polls": {"n": 2000, "p50_ms": 4.0, "p99_ms": 60.0}, "command": "flask --app wsgi worker",
            "role": "ai-peak-300ms", "llm_calls": 300, "streamed_calls": 300, "llm_peak_in_flight": 16,
            "worker_cpu_ms_per_reply": 12.0, "worker_rss_mb": rss, "worker_pss_mb": rss - 20}


def results(poll_rps=900.0, p99=40.0, overhead_p95=60.0, memory=250.0, mix_capacity=400.0, **peak):
    row = {"connections": 64, "errors": 0, "error_detail": {}, "p50_ms": 10.0, "p95_ms": 30.0, "max_ms": 80.0}
    return {
        "capacity": {"mixed": capacity("widget mix", mix_capacity, 600.0),
                     "ceiling": capacity("ceiling (the bare view)", 1200.0, 2000.0)},
        "settings": {"seconds": 5, "connections": 64, "web_concurrency": 4, "llm_latency": 0.3},
        "machine": {"cpus": 2, "cpu": "x86_64", "memory_gb": 8.0, "python": "3.11.7"}, "started": "now",
        "ceiling": {**row, "name": "ceiling", "rps": 2000.0, "p99_ms": 30.0},
        "load": {"poll": {**row, "name": "poll", "rps": poll_rps, "p99_ms": p99},
                 "new_visitor": {**row, "name": "new visitor message", "rps": 300.0, "p99_ms": p99}},
        "ai_overhead": {"samples": 3, "llm_latency_ms": 300, "poll_interval_ms": 10,
                        "visible": {"p50": 40.0, "p95": overhead_p95, "max": 90.0, "mean": 45.0},
                        "server": {"p50": 30.0, "p95": 50.0, "max": 80.0, "mean": 35.0},
                        "first_words": {"p50": 340.0, "p95": 400.0, "max": 420.0, "mean": 350.0}, "drafts_seen": 1},
        "ai_peak": [peak_row(**peak), peak_row(first_token_s=2.0, replies_per_s=7.5)],
        "memory": {"processes": [], "roles": {"web": {"rss_mb": 200.0, "pss_mb": 120.0}},
                   "total_rss_mb": memory, "total_pss_mb": memory / 2},
    }


class _Slow(BaseHTTPRequestHandler):
    """HTTP/1.0: one request per connection, closed after the answer, like gunicorn's sync workers."""
    delay = 0.0
    status = 200

    def do_GET(self):  # noqa: N802
        import time

        time.sleep(self.delay)
        body = json.dumps({"path": self.path}).encode()
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


def _serve(handler, threaded=True):
    from http.server import HTTPServer

    server = (ThreadingHTTPServer if threaded else HTTPServer)(("127.0.0.1", 0), handler)
    server.request_queue_size = 128
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
