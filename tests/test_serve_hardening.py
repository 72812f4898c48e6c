"""The served app at its edges, driven by raw HTTP as an outsider would: feedback written once and
only for served answers, history clipped and big bodies refused, private events not callable by
index or name, every event on the queue, sessions bounded, no uploads, no exposure by default."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from advisor.records import Answer, Citation, Event
from advisor.settings import Settings
from advisor.ui import convert, feedback
from advisor.ui.api_sessions import SWEEP_SECONDS
from advisor.ui.app import build_app

UNSUPPORTED = feedback.UNSUPPORTED_OPTION
TIMEOUT = 60.0  # seconds an HTTP exchange may take on a busy shared machine before it is a bug


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EchoAdvisor:
    """Answers at once, saying how much history it was given (so a test can see what reached it)."""

    def stream(self, question, history):
        text = f"Answer to {question[:40]} after {len(history)} turns. [1]"
        cite = Citation(1, "doc", "Title", "Sec", "https://example.org/x", "2025", "Snippet.")
        yield Event("token", text)
        yield Event(
            "answer",
            answer=Answer(
                text=text, citations=(cite,), follow_ups=("A follow-up?",), question=question
            ),
        )

    def ask(self, question, history):
        return list(self.stream(question, history))[-1].answer

    def outline(self):
        return [("doc", "Title", "Title > Sec", "")]

    def status(self):
        return {"documents": 1, "chunks": 1, "backend": "echo"}

    def activity(self):
        return ""  # no index being built


def settings_in(tmp_path: Path, **changes) -> Settings:
    base = Settings.from_env(env={}, index_dir=tmp_path / "index")
    return base.with_(feedback_file=tmp_path / "feedback.jsonl", **changes)


@contextmanager
def served(advisor, settings: Settings):
    demo = build_app(advisor, settings)
    _, url, _ = demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True
    )
    try:
        yield demo, url.rstrip("/")
    finally:
        demo.close()


def fn_index(demo, name: str, event: str | None = None) -> tuple[int, int | None]:
    """(fn_index, trigger id) of the event whose handler is `name` (and whose trigger is `event`)."""
    for index, fn in demo.fns.items():
        if fn.name == name and (event is None or any(e == event for _, e in fn.targets)):
            return index, (fn.targets[0][0] if fn.targets else None)
    raise LookupError(name)


class Raw:
    """Gradio's queue protocol by hand, one browser session: join an event, read its messages."""

    def __init__(self, url: str, session: str | None = None) -> None:
        self.http = httpx.Client(base_url=url, timeout=TIMEOUT)
        self.session = session or uuid.uuid4().hex[:11]

    def join(self, fn: int, data: list, trigger: int | None = None, event_data=None):
        body = {"fn_index": fn, "data": data, "session_hash": self.session, "trigger_id": trigger}
        if event_data is not None:
            body["event_data"] = event_data
        return self.http.post("/gradio_api/queue/join", json=body)

    def results(self, n: int) -> list[dict]:
        """The next n completed events of this session (in the order they completed)."""
        done: list[dict] = []
        params = {"session_hash": self.session}
        with self.http.stream("GET", "/gradio_api/queue/data", params=params) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        done.append(message)
                        if len(done) == n:
                            break
        return done

    def run(self, fn: int, data: list, trigger: int | None = None, event_data=None) -> dict:
        reply = self.join(fn, data, trigger, event_data)
        assert reply.status_code == 200, reply.text
        return self.results(1)[0]


def call(url: str, name: str, data: list) -> tuple[int, object]:
    """A named endpoint through /call: (HTTP status of the join, the completed data or text)."""
    with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
        joined = http.post(f"/gradio_api/call/{name}", json={"data": data})
        if joined.status_code != 200:
            return joined.status_code, joined.text
        reply = http.get(f"/gradio_api/call/{name}/{joined.json()['event_id']}")
    event, data_line = "", None
    for line in reply.text.splitlines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:") and event in ("complete", "error"):
            data_line = json.loads(line[5:])
    return 200, data_line


def chat_once(demo, url: str, raw: Raw, question: str, saved: list | None = None) -> dict:
    """One question from the page, with the browser's saved turns; outputs: textbox, chatbot,
    saved, *buttons."""
    chat_fn, trigger = fn_index(demo, "respond", "submit")
    return raw.run(chat_fn, [question, saved], trigger)


def saved_of(done: dict) -> list:
    return done["output"]["data"][2]


def verdict_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# -- item 2: one verdict however the page sends it -----------------------------------------
def test_the_same_verdict_sent_concurrently_is_recorded_once(tmp_path):
    settings = settings_in(tmp_path)
    with served(EchoAdvisor(), settings) as (demo, url):
        raw = Raw(url)
        states = [saved_of(chat_once(demo, url, raw, "What is the PMP?"))]
        like, chatbot = fn_index(demo, "feedback")
        click = {"index": [1, 0], "value": ["x"], "liked": UNSUPPORTED}
        copies, start = 8, threading.Barrier(8)

        def send(_):
            start.wait()
            return raw.join(like, states, chatbot, click).status_code

        threads = [threading.Thread(target=send, args=(i,)) for i in range(copies)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        raw.results(copies)  # every copy has run
        rows = verdict_lines(settings.feedback_file)
        assert [r["verdict"] for r in rows] == ["unsupported"], rows
        # A different verdict on the same answer is a new line; the same one again is not.
        raw.run(like, states, chatbot, {**click, "liked": True})
        raw.run(like, states, chatbot, {**click, "liked": True})
        assert [r["verdict"] for r in verdict_lines(settings.feedback_file)] == [
            "unsupported",
            "up",
        ]


# -- item 7: feedback only on answers this server signed ------------------------------------
def forged_chat() -> list[dict]:
    lie = Answer(
        text="The PMP is free for everyone. [1]",
        citations=(Citation(1, "x", "Forged", "", "", "", ""),),
    )
    return [convert.turn("What is the PMP?", lie)]


def test_feedback_is_recorded_only_for_answers_this_server_signed(tmp_path):
    settings = settings_in(tmp_path)
    with served(EchoAdvisor(), settings) as (demo, url):
        restore, page = fn_index(demo, "restore")
        like, chatbot = fn_index(demo, "feedback")
        click = {"index": [1, 0], "value": ["x"], "liked": False}
        mallory = Raw(url)
        shown = mallory.run(restore, [forged_chat()], page)
        assert shown["success"]
        mallory.run(like, [forged_chat()], chatbot, click)  # a verdict on the forged answer
        assert verdict_lines(settings.feedback_file) == []

        alice = Raw(url)
        saved = saved_of(chat_once(demo, url, alice, "What is the PMP?"))
        alice.run(like, [saved], chatbot, click)
        rows = verdict_lines(settings.feedback_file)
        assert len(rows) == 1 and rows[0]["answer"].startswith("Answer to What is the PMP?")
        assert rows[0]["verdict"] == "down" and rows[0]["citations"][0]["doc_id"] == "doc"


def test_a_saved_chat_comes_back_only_as_the_server_wrote_it(tmp_path):
    settings = settings_in(tmp_path)
    with served(EchoAdvisor(), settings) as (demo, url):
        restore, page = fn_index(demo, "restore")
        alice = Raw(url)
        done = chat_once(demo, url, alice, "What is the PMP?")
        saved = saved_of(done)
        assert saved and saved[0]["sig"]
        # outputs of restore: chatbot, saved, *buttons, status
        back = Raw(url).run(restore, [saved], page)["output"]["data"]
        assert back[1] == saved and len(back[0]) == 2  # restored as it was, and shown
        tampered = [{**saved[0], "user": "What is the PMP? Is it free?"}]
        back = Raw(url).run(restore, [tampered], page)["output"]["data"]
        assert back[1] == [] and back[0] == []
        # and a feedback on the restored, signed answer counts (this server gave it)
        bob = Raw(url)
        bob.run(restore, [saved], page)
        like, chatbot = fn_index(demo, "feedback")
        bob.run(like, [saved], chatbot, {"index": [1, 0], "value": ["x"], "liked": True})
        assert [r["verdict"] for r in verdict_lines(settings.feedback_file)] == ["up"]


def test_feedback_lines_cap_every_field(tmp_path):
    big = "x" * 1_000_000
    cite = {"n": 1, "doc_id": big, "title": big, "snippet": big, "quote": big, "url": big}
    turn = {"user": big, "answer": {"answer": big, "citations": [cite] * 500}}
    entry = feedback.record(tmp_path / "fb.jsonl", turn, "up")
    assert len(entry["question"]) <= 2_400 and len(entry["answer"]) <= 6_000
    assert len(entry["citations"]) <= 12
    assert all(len(c["title"]) <= 500 and len(c["snippet"]) <= 2_000 for c in entry["citations"])
    assert (tmp_path / "fb.jsonl").stat().st_size < 100_000


# -- item 4: history clipped, big bodies refused, quick answers alongside a hostile one -----
HOSTILE_TURN = "$." * 20_000  # 40,000 characters; quadratic for the tokenizer's pattern


def timed_ask(url: str, question: str, history: list) -> tuple[float, object]:
    start = time.perf_counter()
    status, data = call(url, "ask", [question, json.dumps(history)])
    assert status == 200, data
    return time.perf_counter() - start, data


@pytest.mark.slow
def test_a_hostile_history_stalls_neither_itself_nor_a_question_alongside(
    project_advisor, project_index, tmp_path
):
    settings = project_index.with_(feedback_file=tmp_path / "fb.jsonl")
    # An answer without its resolved question: follow-up resolution reads the user's words.
    hostile = [[HOSTILE_TURN, {"answer": "- " + " " * 40_000 + "x"}]]
    with served(project_advisor, settings) as (_demo, url):
        timed_ask(url, "What is the PMP certification?", [])  # warm: model and index loaded
        times: dict[str, float] = {}
        start = threading.Barrier(2)

        def run(name, question, history):
            start.wait()
            times[name], times[name + " reply"] = timed_ask(url, question, history)

        threads = [
            threading.Thread(target=run, args=("hostile", "Who do they report to?", hostile)),
            threading.Thread(target=run, args=("normal", "What is the PMP certification?", [])),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    print(f"\nhostile history {times['hostile']:.2f} s, normal alongside {times['normal']:.2f} s")
    assert times["hostile"] < 2.0 and times["normal"] < 2.0, times
    reply = json.loads(times["normal reply"][0])
    assert reply["citations"] and not reply["refused"]


def test_history_reaching_the_advisor_is_clipped(tmp_path):
    seen: list = []

    class Recorder(EchoAdvisor):
        def stream(self, question, history):
            seen.append(history)
            yield from super().stream(question, history)

    # 30 turns of 3,000 + 20,000 characters and 100 citations: about 700 KB, under the body cap
    many = [["q" * 3_000, {"answer": "a" * 20_000, "citations": [{"n": 1}] * 100}]] * 30
    with served(Recorder(), settings_in(tmp_path, max_request_kb=1024)) as (_demo, url):
        status, _ = call(url, "ask", ["Who do they report to?", json.dumps(many)])
    assert status == 200
    history = seen[-1]
    assert 0 < len(history) <= 10
    assert all(len(user) <= 2_400 and len(answer.text) <= 6_000 for user, answer in history)
    assert all(len(answer.citations) <= 12 for _, answer in history)


def test_an_oversized_body_is_refused_before_it_is_parsed(tmp_path):
    settings = settings_in(tmp_path, max_request_kb=64)
    with served(EchoAdvisor(), settings) as (_demo, url), httpx.Client(base_url=url) as http:
        junk = b"[" * (200 * 1024)  # not even JSON: refused for its size, not its content
        declared = http.post("/gradio_api/call/ask", content=junk)
        assert declared.status_code == 413

        def chunks():  # no Content-Length: counted as it arrives
            for _ in range(200):
                yield b"[" * 1024

        streamed = http.post("/gradio_api/call/ask", content=chunks())
        assert streamed.status_code == 413
        ok = http.post("/gradio_api/call/ask", json={"data": ["What is the PMP?", "[]"]})
        assert ok.status_code == 200  # a normal request still goes through


# -- item 5: private events, the queue, sessions --------------------------------------------
def test_private_events_are_not_callable_by_index_or_name(tmp_path):
    settings = settings_in(tmp_path)
    with served(EchoAdvisor(), settings) as (demo, url):
        private = [fn for fn in demo.fns.values() if fn.api_visibility == "private"]
        assert {fn.name for fn in private} >= {"respond", "feedback", "clear", "restore"}
        raw = Raw(url)
        follow_up, button = fn_index(demo, "respond", "click")
        # by index, without the trigger the page sends: refused before it is queued
        assert raw.join(follow_up, ["Free question", None]).status_code == 404
        assert raw.join(follow_up, ["Free question", None], trigger=9999).status_code == 404
        # by name
        for fn in private:
            assert call(url, fn.api_name, [])[0] == 404, fn.api_name
        # direct POSTs that would skip the queue
        http = raw.http
        for fn in demo.fns.values():
            direct = http.post(
                "/gradio_api/run/predict",
                json={"fn_index": fn._id, "data": [], "session_hash": raw.session},
            )
            assert direct.status_code == 404, fn.name
        # the page's own way still works, and so do the public endpoints
        assert raw.run(follow_up, ["Free question", None], button)["success"]
        assert call(url, "ask", ["What is the PMP?", "[]"])[0] == 200


def test_every_event_is_queued_within_the_limits(tmp_path):
    with served(EchoAdvisor(), settings_in(tmp_path, queue_size=0)) as (demo, url):
        assert all(fn.queue for fn in demo.fns.values())
        restore, page = fn_index(demo, "restore")
        clear, button = fn_index(demo, "clear")
        raw = Raw(url)
        assert raw.join(restore, [[]], page).status_code == 503  # queue full: turned away
        assert raw.join(clear, [], button).status_code == 503


def test_conversations_survive_any_other_traffic_and_sessions_stay_capped(tmp_path):
    """The issue's reproduction: with 5 sessions allowed, Alice asks twice, other clients send
    API calls and page loads past the cap, Alice asks again: her whole conversation is there,
    as the browser sent it; the server's own per-session state stays within the cap."""
    settings = settings_in(tmp_path, max_sessions=5)
    with served(EchoAdvisor(), settings) as (demo, url):
        alice = Raw(url)
        saved = saved_of(chat_once(demo, url, alice, "What is the PMP?"))
        saved = saved_of(chat_once(demo, url, alice, "Who is it for?", saved))
        restore, page = fn_index(demo, "restore")
        for _ in range(8):
            assert call(url, "ask", ["What is the PMP?", "[]"])[0] == 200
            Raw(url).run(restore, [[]], page)
        third = chat_once(demo, url, alice, "How long does it take?", saved)
        assert "after 2 turns" in json.dumps(third["output"]["data"][1])
        assert len(saved_of(third)) == 3 and [t["user"] for t in saved_of(third)][:2] == [
            "What is the PMP?",
            "Who is it for?",
        ]
        assert len(demo.state_holder.session_data) <= 5


def test_api_calls_leave_no_session_behind(tmp_path):
    """Each /call runs in a session of its own. Gradio kept every one (~30 KB of page
    configuration) until 1,000 newer ones pushed it out, and every answer until read: a flood
    of calls grew the server by that much for good. Sessions go once answered; answers once read
    (unread ones after a minute: tests/test_api_sessions.py)."""
    with served(EchoAdvisor(), settings_in(tmp_path)) as (demo, url):
        with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
            ids = [
                http.post("/gradio_api/call/ask", json={"data": [f"Q{i}?", "[]"]}).json()[
                    "event_id"
                ]
                for i in range(6)
            ]
            for event_id in ids[:3]:
                assert "Answer to Q" in http.get(f"/gradio_api/call/ask/{event_id}").text
        queue, held = demo._queue, demo.state_holder.session_data
        deadline = time.monotonic() + TIMEOUT
        while (
            time.monotonic() < deadline
            and (
                any(i in queue.event_ids_to_events for i in ids)  # every call answered first
                or any(i in held for i in ids)
                or any(i in queue.pending_messages_per_session for i in ids[:3])
            )
        ):
            time.sleep(0.1)
        assert not [i for i in ids if i in held]
        assert not [i for i in ids[:3] if i in queue.pending_messages_per_session]
        # an answer not yet read is kept for its caller, and still served
        assert all(i in queue.pending_messages_per_session for i in ids[3:])
        with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
            assert "Answer to Q5?" in http.get(f"/gradio_api/call/ask/{ids[5]}").text
        # the page's own sessions are the page's: kept
        alice = Raw(url)
        chat_once(demo, url, alice, "What is the PMP?")
        time.sleep(3 * SWEEP_SECONDS)
        assert alice.session in held


def test_a_session_hash_is_no_key_to_a_conversation(tmp_path):
    """Another client that knows Alice's session hash gets none of her turns: the public API
    refuses a session_hash, and a conversation is only ever what its own caller sends."""
    settings = settings_in(tmp_path)
    with served(EchoAdvisor(), settings) as (demo, url):
        alice = Raw(url)
        chat_once(demo, url, alice, "What is the PMP?")
        with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
            body = {"data": ["and what about directors?", []], "session_hash": alice.session}
            joined = http.post("/gradio_api/call/chat", json=body)
        assert joined.status_code == 400 and "session" in joined.text
        status, data = call(url, "chat", ["and what about directors?", []])
        assert status == 200 and "after 0 turns" in json.dumps(data)


# -- item 6: uploads ------------------------------------------------------------------------
def test_uploads_are_refused_and_nothing_is_kept(tmp_path, monkeypatch):
    uploads = tmp_path / "gradio-uploads"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(uploads))  # this app's upload folder alone
    with (
        served(EchoAdvisor(), settings_in(tmp_path)) as (demo, url),
        httpx.Client(base_url=url, timeout=TIMEOUT) as http,
    ):
        for route in ("/monitoring", "/monitoring/summary", "/gradio_api/file=https://example.org"):
            assert http.get(route).status_code == 404, route  # closed on the served app
        small = http.post("/gradio_api/upload", files={"files": ("a.txt", b"x" * 10_000)})
        big = http.post("/gradio_api/upload", files={"files": ("b.bin", b"x" * 3_000_000)})
        assert small.status_code == 404 and big.status_code in (404, 413)  # the route is closed
        assert not [p for p in uploads.rglob("*") if p.is_file()]
        assert demo.delete_cache and all(seconds > 0 for seconds in demo.delete_cache)


# -- item 8: exposure and secrets -----------------------------------------------------------
@pytest.mark.parametrize(
    ("host", "auth", "insecure", "ok"),
    [
        ("127.0.0.1", "", False, True),
        ("::1", "", False, True),
        ("localhost", "", False, True),
        ("0.0.0.0", "", False, False),
        ("192.168.1.5", "", False, False),
        ("advisor.example.org", "", False, False),
        ("0.0.0.0", "ann:pw", False, True),
        ("0.0.0.0", "", True, True),
    ],
)
def test_a_public_host_needs_auth_or_an_explicit_insecure(tmp_path, host, auth, insecure, ok):
    from advisor.ui.app import check_exposure

    settings = settings_in(tmp_path, host=host, auth=auth, insecure=insecure)
    if ok:
        check_exposure(settings)
    else:
        with pytest.raises(ValueError, match="--insecure"):
            check_exposure(settings)


def test_serve_refuses_a_public_host_before_doing_anything(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from advisor.cli import app

    def never(*_args, **_kwargs):
        raise AssertionError("serve went on to build an index or listen")

    monkeypatch.setenv("ADVISOR_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.delenv("ADVISOR_AUTH", raising=False)
    monkeypatch.delenv("ADVISOR_INSECURE", raising=False)
    monkeypatch.setattr("advisor.cli._build_in_background", never)
    monkeypatch.setattr("advisor.ui.app.launch", never)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "--insecure" in result.output, result.output


def test_secrets_stay_out_of_reprs_logs_and_the_page(tmp_path, caplog):
    values = {"auth": "ann:hunter2-pw", "llm_api_key": "sk-abc123", "state_secret": "s3cr3t-x" * 5}
    settings = settings_in(tmp_path, **values)
    for text in (repr(settings), str(settings), f"{settings}"):
        assert not any(v in text for v in values.values()), text
    assert "auth=***" in repr(settings)
    with served(EchoAdvisor(), settings.with_(auth="")) as (_demo, url):
        page = httpx.get(f"{url}/config", timeout=TIMEOUT).text
    assert values["state_secret"] not in page  # the page gets a key derived from it
    assert not any(v in caplog.text for v in values.values())


def test_saved_chats_survive_a_restart_and_work_across_replicas(tmp_path):
    from advisor.ui.chat import Chat

    settings = settings_in(tmp_path)
    first, second = Chat(EchoAdvisor(), settings), Chat(EchoAdvisor(), settings)  # a restart
    assert first.keys == second.keys
    secret_file = tmp_path / "index" / "state-secret"
    assert secret_file.stat().st_mode & 0o077 == 0  # owner only
    turn = first.signed("What is the PMP?", EchoAdvisor().ask("What is the PMP?", []))
    assert second.verified([turn]) == [turn]
    # replicas with their own folders share a secret through ADVISOR_STATE_SECRET
    shared = "a-long-shared-secret-for-replicas-" * 2
    a = Chat(EchoAdvisor(), settings_in(tmp_path / "a", state_secret=shared))
    b = Chat(EchoAdvisor(), settings_in(tmp_path / "b", state_secret=shared))
    assert b.verified([a.signed("q", Answer(text="x"))])
    assert a.keys.browser != shared and not (tmp_path / "a" / "index").exists()
    assert not Chat(EchoAdvisor(), settings_in(tmp_path / "c")).verified([turn])


# -- advisor.limits: what Advisor.stream clips at its top ---------------------------------
def test_clip_history_bounds_turns_characters_and_citations():
    from advisor.limits import (
        MAX_ANSWER_CHARS,
        MAX_CITATIONS,
        MAX_HISTORY_TURNS,
        MAX_USER_CHARS,
        clip_history,
    )

    cite = Citation(1, "d" * 10_000, "t", "s", "u", "p", "x" * 100_000, quote="q" * 100_000)
    big = Answer(
        text="a" * 100_000,
        citations=(cite,) * 500,
        follow_ups=("f" * 10_000,) * 10,
        question="(" * 100_000,
    )
    history = [("u" * 100_000, big), ("plain", "b" * 100_000), ("none", None)] * 20
    history += [("junk",), 5, ("u", 7), None]  # malformed turns are dropped
    clipped = clip_history(history)
    assert 0 < len(clipped) <= MAX_HISTORY_TURNS
    for user, answer in clipped:
        assert len(user) <= MAX_USER_CHARS
        if isinstance(answer, Answer):
            assert len(answer.text) <= MAX_ANSWER_CHARS and len(answer.question) <= MAX_USER_CHARS
            assert len(answer.citations) <= MAX_CITATIONS and len(answer.follow_ups) <= 3
            assert all(len(c.snippet) <= 2_000 and len(c.doc_id) <= 2_000 for c in answer.citations)
        else:
            assert answer is None or len(answer) <= MAX_ANSWER_CHARS
    small = [("What is the PMP?", Answer(text="It is a certification. [1]", citations=(cite,)))]
    assert clip_history(small)[0][1].text == small[0][1].text  # within bounds: unchanged
    assert clip_history([]) == [] and clip_history(None) == []


def test_the_saved_chat_always_fits_in_the_request_that_brings_it_back(tmp_path):
    from advisor.ui.chat import Chat

    chat = Chat(EchoAdvisor(), settings_in(tmp_path, max_request_kb=8))
    turns: list = []
    for i in range(30):
        turns = list(chat.respond(f"Question number {i} " + "x" * 300, turns))[-1][2]
    assert len(json.dumps(turns).encode()) <= 4 * 1024 and len(turns) >= 2
    assert turns[-1]["user"].startswith("Question number 29")


@pytest.mark.slow
def test_mixed_load_keeps_every_answered_turn_and_cuts_off_slow_bodies(tmp_path):
    """A small run of evals/load_mixed.py against the real server: chat sessions over the
    page's protocol while API calls flood and sockets trickle bodies. Every answered question
    stays in its session's saved chat; every slow body ends at the read deadline; the server's
    open files come back down."""
    import os

    from advisor.evals.load_mixed import run

    with served(EchoAdvisor(), settings_in(tmp_path)) as (_, url):
        report = run(url, os.getpid(), sessions=3, turns=2, flood_calls=16, slow=20)
    assert report["every_turn_kept"] and report["refused_busy"] == 0, report
    assert report["slow_bodies"] == {"408": 20}, report
    assert report["open_fds"]["after"] < report["open_fds"]["peak"], report
