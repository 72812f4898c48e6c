"""A fresh machine's first `serve`: the page is up while the first index is built in another
process, answers once it is built, and the server never loads torch or prints warnings."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import article

DEADLINE = 300  # seconds: a fresh cache exports the ONNX model and probes the dtype first


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 10.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read()


def _ask(base: str, question: str) -> dict:
    body = json.dumps({"data": [question, "[]"]}).encode()
    request = urllib.request.Request(
        f"{base}/gradio_api/call/ask", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        event = json.loads(r.read())["event_id"]
    stream = _get(f"{base}/gradio_api/call/ask/{event}", timeout=60).decode()
    data = next(line for line in stream.splitlines() if line.startswith("data:"))
    return json.loads(json.loads(data[5:])[0])


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc")
def test_first_serve_is_up_at_once_and_answers_once_built(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mentoring.md").write_text(
        article("Mentoring", "## Finding a mentor\nA mentor reviews your work every week and "
                "introduces you to people in your field.")
    )  # fmt: skip
    port = _free_port()
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),  # nothing prepared: a fresh machine
        "ADVISOR_INDEX_DIR": str(tmp_path / "idx"),
        "ADVISOR_CORPUS": str(corpus),
        "ADVISOR_LIBRARY_DIR": str(tmp_path / "library"),
        "ADVISOR_EMBEDDING_DTYPE": "float32",
        "ADVISOR_PORT": str(port),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "advisor.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + DEADLINE
        replies = []
        while time.monotonic() < deadline:
            try:
                reply = _ask(base, "How often does a mentor review your work?")
            except OSError:  # not listening yet
                time.sleep(0.5)
                continue
            replies.append(reply)
            if not reply["refused"]:
                break
            time.sleep(1)
        assert replies and not replies[-1]["refused"], replies[-3:]
        assert replies[-1]["citations"][0]["title"] == "Mentoring"
        # before the index was there, each reply said so politely (never an error)
        for early in replies[:-1]:
            assert "Indexing the library" in early["answer"] or "No articles" in early["answer"]
        maps = Path(f"/proc/{server.pid}/maps").read_text()
        assert "libtorch" not in maps  # the model for documents lived in the builder only
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=60)
    assert "Warning" not in output, output


def _serve(tmp_path: Path, port: int, **popen) -> subprocess.Popen:
    env = {
        **os.environ,
        "ADVISOR_INDEX_DIR": str(tmp_path / "idx"),
        "ADVISOR_CORPUS": str(tmp_path / "corpus"),  # empty: the build ends at once
        "ADVISOR_LIBRARY_DIR": str(tmp_path / "library"),
        "ADVISOR_PORT": str(port),
    }
    (tmp_path / "corpus").mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "advisor.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def test_a_port_in_use_is_a_clear_error_not_a_traceback(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = _serve(tmp_path, port)
        output, _ = server.communicate(timeout=120)
    assert server.returncode == 1, output
    assert f"port {port} on 127.0.0.1 is in use" in " ".join(output.split()), output
    assert "--port" in output and "Traceback" not in output, output
    assert not (tmp_path / "idx").exists()  # nothing was started: no build, no index folder


@pytest.mark.slow
def test_ctrl_c_while_starting_stops_cleanly(tmp_path):
    """Ctrl+C in the first seconds, as a terminal sends it (to the server and the index build
    it started): both stop, with no traceback and no abort from native code still loading a
    model ("terminate called without an active exception", seen once after a failed launch;
    this timing did not reproduce it, so it guards the exit path rather than that abort)."""
    import signal

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mentoring.md").write_text(article("Mentoring", "## Finding a mentor\nWeekly."))
    port = _free_port()
    server = _serve(
        tmp_path,
        port,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        # SIGINT acted on, even where this test runs with SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the page is up; the build is loading its model
        try:
            _get(f"http://127.0.0.1:{port}/", timeout=2)
            break
        except OSError:
            time.sleep(0.1)
    os.killpg(server.pid, signal.SIGINT)
    output, _ = server.communicate(timeout=60)
    assert "terminate called" not in output, output
    assert "Traceback" not in output, output
    assert server.returncode in (0, 130, -signal.SIGINT), output
    # nothing it started is left running: the build, and its parse worker (in a group of its
    # own, but in the session the test started)
    deadline = time.monotonic() + 15
    while _in_session(server.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _in_session(server.pid)


def _in_session(sid: int) -> list[int]:
    """Live processes (zombies aside) whose session is `sid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(entry))
    return found
