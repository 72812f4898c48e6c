"""Mixed load on loopback (bounded in count and time): chat sessions held through the page's own
protocol while other clients flood the public API and trickle slow request bodies. Prints each
session's turns kept, answer latency unloaded and under load (p50/p95), how the slow bodies
ended, and the server's RSS before, at the peak and after. The server is `career-advisor serve`
in a process of its own (the settings' index, ADVISOR_* as usual), so its RSS holds none of the
clients' memory.

    python -m advisor.evals.load_mixed [--sessions 20] [--flood 200] [--slow 200]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlparse

import httpx

from advisor.ui.memory import TRIM_SECONDS

QUESTIONS = [
    "What is the PMP certification?",
    "Who is it for?",
    "How long does it take?",
    "What does an engineering manager do?",
    "Who do they report to?",
    "What do they earn?",
]
TIMEOUT = 120.0


class PageSession:
    """One browser session speaking the page's queue protocol: its saved chat goes with every
    question, as the page sends it."""

    def __init__(self, url: str, fn_index: int, trigger: int | None) -> None:
        self.http = httpx.Client(base_url=url, timeout=TIMEOUT)
        self.session = uuid.uuid4().hex[:11]
        self.fn, self.trigger = fn_index, trigger
        self.saved: list = []
        self.answered = 0  # questions answered (a busy server may refuse one: it is not lost)

    def ask(self, question: str) -> list:
        """Ask and wait for the answer; returns the chat's saved turns afterwards."""
        body = {
            "fn_index": self.fn,
            "data": [question, self.saved],
            "session_hash": self.session,
            "trigger_id": self.trigger,
        }
        joined = self.http.post("/gradio_api/queue/join", json=body)
        joined.raise_for_status()
        params = {"session_hash": self.session}
        with self.http.stream("GET", "/gradio_api/queue/data", params=params) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    if not message.get("success"):
                        raise RuntimeError(str(message)[:200])
                    self.saved = message["output"]["data"][2]
                    self.answered += 1
                    return self.saved
        raise RuntimeError("the stream ended without an answer")

    def close(self) -> None:
        self.http.close()


def chat_event(url: str) -> tuple[int, int | None]:
    """(fn_index, trigger id) of the chat's submit event, as the page reads them from /config."""
    config = httpx.get(f"{url}/config", timeout=TIMEOUT).json()
    for dep in config["dependencies"]:
        if dep.get("api_name") == "chat" and any(e == "submit" for _, e in dep["targets"]):
            return dep["id"], dep["targets"][0][0]
    raise LookupError("the chat's submit event")


def slow_body(host: str, port: int, declared: int, sent: int) -> socket.socket:
    """A socket that declares a body of `declared` bytes, sends `sent` of them and pauses."""
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    s.sendall(
        b"POST /gradio_api/queue/join HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % (host.encode(), declared)
    )
    s.sendall(b"{" + b" " * (sent - 1))
    return s


def slow_outcome(s: socket.socket, wait: float) -> str:
    """The status line the server answered a slow body with, or "open" if none in `wait` s."""
    s.settimeout(wait)
    try:
        head = s.recv(64)
    except (TimeoutError, OSError):
        return "open"
    finally:
        s.close()
    parts = head.split(b" ")
    return parts[1].decode() if len(parts) > 1 else "closed"


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def memory(pid: int) -> dict[str, float]:
    """The server's resident memory in MB by kind (anonymous: its heaps; file: mapped files such
    as the model and the index, which the kernel may drop and read again) and its thread count."""
    keys = {"VmRSS:": "rss", "RssAnon:": "anon", "RssFile:": "file", "Threads:": "threads"}
    out: dict[str, float] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key = keys.get(line.split(":")[0] + ":")
            if key:
                value = int(line.split()[1])
                out[key] = value if key == "threads" else round(value / 1024, 1)
    return out


def warmed(pid: int, every: float = 2.0, still: int = 3, limit: float = 120.0) -> bool:
    """Wait until the server has warmed up: it loads the model, opens the index and builds the
    library's outline in the background after it first answers (~+45 MB, ~13 files, ~7
    threads, a few seconds), and its RSS, open files and threads stay put for `still` samples.
    False when it did not settle within `limit` seconds (the report says so)."""
    deadline, last, same = time.monotonic() + limit, None, 0
    while time.monotonic() < deadline and same < still:
        time.sleep(every)
        if not os.path.exists(f"/proc/{pid}"):
            raise SystemExit(f"the server (pid {pid}) stopped while warming up")
        now = memory(pid)
        mark = (now["threads"], open_fds(pid))
        steady = (
            last is not None and mark == last[0] and abs(now["rss"] - last[1]) < 0.02 * now["rss"]
        )
        same, last = (same + 1 if steady else 0), (mark, now["rss"])
    return same >= still


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def converse(sessions: list[PageSession], turns: int, run: Run) -> None:
    """Each session asks `turns` more questions, all sessions at once."""

    def one(session: PageSession) -> None:
        for k in range(turns):
            started = time.perf_counter()
            try:
                saved = session.ask(QUESTIONS[(len(session.saved) + k) % len(QUESTIONS)])
            except Exception as err:  # counted: a lost answer is what this test looks for
                run.errors.append(f"{type(err).__name__}: {str(err)[:120]}")
                continue
            run.latencies.append((time.perf_counter() - started) * 1000)
            run.kept.append(len(saved))

    threads = [threading.Thread(target=one, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)


def flood(url: str, calls: int, workers: int = 8) -> int:
    """`calls` plain /call/ask requests (no session) from a few threads; how many were taken."""
    taken = [0]
    lock = threading.Lock()

    def worker(n: int) -> None:
        with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
            for _ in range(n):
                r = http.post("/gradio_api/call/ask", json={"data": ["What is the PMP?", "[]"]})
                with lock:
                    taken[0] += r.status_code == 200

    threads = [threading.Thread(target=worker, args=(calls // workers,)) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    return taken[0]


def _p(values: list[float], q: int) -> float | None:
    if len(values) < 2:
        return round(values[0], 1) if values else None
    return round(statistics.quantiles(values, n=20)[q], 1)


def run(
    url: str,
    pid: int,
    sessions: int = 20,
    turns: int = 3,
    flood_calls: int = 200,
    slow: int = 200,
    body_kb: int = 200,
    settle: float = 15.0,
) -> dict:
    """Unloaded turns, then as many turns again under the flood and slow bodies."""
    host, port = urlparse(url).hostname or "", urlparse(url).port or 80
    if not (host == "localhost" or host.startswith("127.")):
        raise SystemExit("the mixed load test only targets loopback addresses")
    settled = warmed(pid)  # else "before" can miss the warm-up's memory, which lands after it
    event = chat_event(url)
    people = [PageSession(url, *event) for _ in range(sessions)]
    quiet = Run()
    converse(people, turns, quiet)
    time.sleep(TRIM_SECONDS + 1)  # measured as "after" is: once freed memory is handed back
    rss_before, fds_before = rss_mb(pid), open_fds(pid)
    mem_before = memory(pid)
    sockets = [slow_body(host, port, body_kb * 1024, body_kb * 512) for _ in range(slow)]
    loaded, taken = Run(), [0]
    flooder = threading.Thread(target=lambda: taken.__setitem__(0, flood(url, flood_calls)))
    flooder.start()
    converse(people, turns, loaded)
    flooder.join()
    rss_peak, fds_peak = rss_mb(pid), open_fds(pid)
    outcomes: dict[str, int] = {}
    for s in sockets:
        outcome = slow_outcome(s, settle)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    time.sleep(TRIM_SECONDS + 1)  # "after": once the server has handed freed memory back
    rss_after = rss_mb(pid)
    mem_after = memory(pid)
    # a second flood of the same size: memory the first one left is reused, not added to
    again = [slow_body(host, port, body_kb * 1024, body_kb * 512) for _ in range(slow)]
    flood(url, flood_calls)
    for s in again:
        slow_outcome(s, settle)
    time.sleep(TRIM_SECONDS + 1)
    for person in people:
        person.close()
    return {
        "sessions": sessions,
        "turns_each": 2 * turns,
        # every answered question is still in its session's saved chat, in order
        "every_turn_kept": all(len(p.saved) == p.answered for p in people),
        "answered": f"{sum(p.answered for p in people)} of {sessions * 2 * turns}",
        "refused_busy": len(quiet.errors) + len(loaded.errors),
        "error_samples": (quiet.errors + loaded.errors)[:3],
        "unloaded_p50_ms": _p(quiet.latencies, 9),
        "unloaded_p95_ms": _p(quiet.latencies, 18),
        "loaded_p50_ms": _p(loaded.latencies, 9),
        "loaded_p95_ms": _p(loaded.latencies, 18),
        "flood_calls_taken": f"{taken[0]} of {flood_calls}",
        "slow_bodies": outcomes,
        "open_fds": {"before": fds_before, "peak": fds_peak, "after": open_fds(pid)},
        "rss_mb": {
            "before": round(rss_before, 1),
            "peak": round(rss_peak, 1),
            "after": round(rss_after, 1),
            "after_a_second_flood": round(rss_mb(pid), 1),
        },
        "memory": {"before": mem_before, "after": mem_after, "after_a_second_flood": memory(pid)},
        "warmed_up_before": settled,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--flood", type=int, default=200)
    parser.add_argument("--slow", type=int, default=200)
    args = parser.parse_args(argv)
    with serving() as (url, pid):
        report = run(url, pid, args.sessions, args.turns, args.flood, args.slow)
    print(json.dumps(report, indent=1))


@contextmanager
def serving(ready_seconds: float = 600.0) -> Iterator[tuple[str, int]]:
    """`career-advisor serve` on a free loopback port, once it answers: (url, pid)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "advisor.cli", "serve", "--host", "127.0.0.1"]
    server = subprocess.Popen([*command, "--port", str(port)], stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_seconds
        while not _answers(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start (exit code {server.poll()})")
            time.sleep(0.5)
        yield url, server.pid
    finally:
        server.send_signal(signal.SIGINT)  # as Ctrl+C: serve stops what it started
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/config", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    main()
