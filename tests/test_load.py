"""Concurrent users against one running app (loopback, bounded): every question answered and
no session ever receives another session's history or citations; an overfull queue is a
polite refusal, not a crash."""

from __future__ import annotations

import socket

import pytest

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def running_app(project_advisor, project_index):
    from advisor.ui.app import build_app

    app = build_app(project_advisor, project_index)
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}"
    app.close()


def test_twenty_concurrent_five_turn_sessions(running_app):
    from advisor.evals.load_test import run

    summary = run(running_app, sessions=20, turns=5)
    print("\nload test:", summary)
    assert summary["answered"] == summary["asked"] == 100, summary["error_samples"]
    assert summary["errors"] == 0 and summary["leaks"] == 0, summary["leak_samples"]


def test_overload_gets_a_polite_busy_message_and_the_app_stays_up(project_advisor, project_index):
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    from advisor.ui.app import build_app

    settings = project_index.with_(concurrency=1, queue_size=2)
    app = build_app(project_advisor, settings)
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}"
    try:

        def ask(i: int) -> str:
            try:
                Client(url, verbose=False).predict(
                    f"What is the PMP certification? ({i})", "[]", api_name="/ask"
                )
                return "ok"
            except Exception as err:
                return str(err)

        with ThreadPoolExecutor(24) as pool:
            outcomes = list(pool.map(ask, range(24)))
        busy = [o for o in outcomes if o != "ok"]
        print(f"\noverload: {outcomes.count('ok')} answered, {len(busy)} turned away: {busy[:1]}")
        assert busy and all("queue is full" in o.lower() or "busy" in o.lower() for o in busy)
        assert Client(url, verbose=False).predict(
            "What is the CAPM?", "[]", api_name="/ask"
        )  # still up
    finally:
        app.close()
