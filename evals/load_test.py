"""Load test (loopback only, bounded): N simultaneous gradio_client sessions, each holding a
5-turn conversation with follow-ups against one running app. Prints answered, errors, p50/p95
and checks that no session ever receives another session's subject or citations.

    python -m advisor.evals.load_test --url http://127.0.0.1:7860 [--sessions 20]
    python -m advisor.evals.load_test --launch   # starts the app on a free port itself
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

# Each session talks about its own subject; follow-ups must stay on it.
SUBJECTS = [
    ("engineering director", "What does an engineering director do?"),
    ("PMP", "What is the PMP certification?"),
    ("Certified ScrumMaster", "What is a Certified ScrumMaster?"),
    ("MEM", "What is a Master of Engineering Management?"),
    ("PE license", "How do I get a PE license?"),
    ("Lean Six Sigma", "What are Lean Six Sigma belts?"),
    ("CAPM", "What is the CAPM certification?"),
    ("engineering manager", "What does an engineering manager do?"),
]
FOLLOW_UPS = [
    "Tell me more about the second one",
    "Who do they report to?",
    "And how long does it take?",
    "What about the first one?",
]


@dataclass
class SessionResult:
    subject: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    answered: int = 0


def conversation(url: str, index: int, turns: int, result: SessionResult) -> list[dict]:
    """One session's conversation; answers are compared with a sequential run afterwards."""
    from gradio_client import Client

    _subject, opener = SUBJECTS[index % len(SUBJECTS)]
    client = Client(url, verbose=False)
    history: list[list] = []
    answers: list[dict] = []
    for q in [opener, *FOLLOW_UPS][:turns]:
        started = time.perf_counter()
        try:
            raw = client.predict(q, json.dumps(history), api_name="/ask")
        except Exception as err:  # a busy queue or a server error: counted, never fatal here
            result.errors.append(f"{type(err).__name__}: {str(err)[:120]}")
            answers.append({})
            continue
        result.latencies.append((time.perf_counter() - started) * 1000)
        answer = json.loads(raw)
        result.answered += 1
        answers.append(answer)
        history.append([q, answer])
    return answers


def _same(a: dict, b: dict) -> bool:
    return (a.get("answer"), a.get("citations")) == (b.get("answer"), b.get("citations"))


def run(url: str, sessions: int = 20, turns: int = 5) -> dict:
    host = urlparse(url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise SystemExit("the load test only targets loopback addresses")
    # the answerer is deterministic: each conversation run alone first is the reference, and
    # any difference under load means a session saw another's history or citations
    reference = [
        conversation(url, i, turns, SessionResult("")) for i in range(min(sessions, len(SUBJECTS)))
    ]
    results = [SessionResult(SUBJECTS[i % len(SUBJECTS)][0]) for i in range(sessions)]
    got: list[list[dict]] = [[] for _ in range(sessions)]

    def worker(i: int) -> None:
        got[i] = conversation(url, i, turns, results[i])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(sessions)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    for i, answers in enumerate(got):
        for k, (a, ref) in enumerate(zip(answers, reference[i % len(reference)], strict=False)):
            if a and not _same(a, ref):
                results[i].leaks.append(f"session {i} turn {k}: {a.get('question')!r}")
    latencies = [x for r in results for x in r.latencies]
    summary = {
        "sessions": sessions,
        "turns_per_session": turns,
        "answered": sum(r.answered for r in results),
        "asked": sessions * turns,
        "errors": sum(len(r.errors) for r in results),
        "leaks": sum(len(r.leaks) for r in results),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(statistics.quantiles(latencies, n=20)[18], 1)
        if len(latencies) > 1
        else None,
        "wall_s": round(time.perf_counter() - started, 1),
        "error_samples": [e for r in results for e in r.errors][:5],
        "leak_samples": [e for r in results for e in r.leaks][:5],
    }
    return summary


def launch_local():
    """The app over the settings' index, warmed, on a free loopback port: (blocks, url)."""
    import socket

    from advisor.advisor import Advisor
    from advisor.settings import Settings
    from advisor.ui.app import build_app

    settings = Settings.from_env()
    advisor = Advisor(settings)
    advisor.warm()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = build_app(advisor, settings)
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    return app, f"http://127.0.0.1:{port}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--launch", action="store_true", help="start the app on a free port first")
    args = parser.parse_args(argv)
    url, app = args.url, None
    if args.launch:
        app, url = launch_local()
    try:
        print(json.dumps(run(url, args.sessions, args.turns), indent=1))
    finally:
        if app is not None:
            app.close()


if __name__ == "__main__":
    main()
