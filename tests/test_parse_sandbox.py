"""The parse worker: a file whose parser loops, eats memory or dies is reported by name and
the next file is parsed as usual (fast: no embedding model)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from advisor.ingest.loaders import LoadError
from advisor.ingest.loaders.sandbox import Parser

HOSTILE = "tests.hostile_parsers:by_name"
GOOD = b"---\ntitle: Fine\n---\nA perfectly ordinary note about engineering managers.\n"


def test_parses_in_a_reused_worker():
    with Parser(10, 512, "tests.hostile_parsers:worker_pid") as parser:
        pids = {parser.parse(Path("a.md"), GOOD), parser.parse(Path("b.md"), GOOD)}
    assert len(pids) == 1  # one worker for many files, not one process per file
    with Parser(10, 512) as parser:
        doc = parser.parse(Path("note.md"), GOOD)
    assert doc.title == "Fine" and "engineering managers" in doc.blocks[0].text


def test_a_parser_that_never_returns_is_stopped_at_the_budget():
    with Parser(1.0, 512, HOSTILE) as parser:
        started = time.monotonic()
        with pytest.raises(LoadError, match="took longer than 1 s"):
            parser.parse(Path("hang.md"), GOOD)
        assert time.monotonic() - started < 30  # the budget, plus starting the worker
        assert parser.parse(Path("next.md"), GOOD).title == "Fine"  # a new worker goes on


def test_a_parser_that_eats_memory_is_stopped_at_the_budget():
    with Parser(60, 256, HOSTILE) as parser:
        with pytest.raises(LoadError, match="needs more than 256 MB"):
            parser.parse(Path("hog.md"), GOOD)
        assert parser.parse(Path("next.md"), GOOD).title == "Fine"


def test_a_parser_that_dies_is_reported():
    with Parser(10, 512, HOSTILE) as parser:
        with pytest.raises(LoadError, match="crashed"):
            parser.parse(Path("crash.md"), GOOD)
        assert parser.parse(Path("next.md"), GOOD).title == "Fine"


def test_load_errors_cross_the_process_boundary():
    with Parser(10, 512) as parser, pytest.raises(LoadError, match="aliases"):
        parser.parse(Path("bomb.md"), b"---\na: &a [x]\ntitle: *a\n---\nbody text\n")


def test_no_budget_parses_in_process():
    parser = Parser(0, 0, "tests.hostile_parsers:worker_pid")
    import os

    assert parser.parse(Path("a.md"), GOOD) == os.getpid()


_HOLDER = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # acted on, as in a terminal
from pathlib import Path
from advisor.ingest.loaders.sandbox import Parser
try:
    with Parser(30, 512, "tests.hostile_parsers:worker_pid") as parser:
        print(parser.parse(Path("a.md"), b"x"), flush=True)
        time.sleep(60)
except KeyboardInterrupt:
    print("stopped", flush=True)
"""


def test_ctrl_c_in_a_terminal_stops_the_worker_without_a_traceback(tmp_path):
    """A terminal sends Ctrl+C to its whole foreground group: the ingest stops and closes its
    worker; the idle worker must not print its own KeyboardInterrupt traceback (it did, when
    `serve` was interrupted while its first index was being built)."""
    import os
    import signal
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, as a terminal's foreground job
    )
    worker = int(holder.stdout.readline())
    os.killpg(holder.pid, signal.SIGINT)
    out, err = holder.communicate(timeout=60)
    assert out.strip() == "stopped" and "Traceback" not in err, err
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _running(worker):
        time.sleep(0.05)
    assert not _running(worker)  # closed with the ingest, not left behind


def _running(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie still answers kill(0); its state in /proc says it is gone
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


_STUCK = """
import sys
from pathlib import Path
from advisor.ingest.loaders.sandbox import Parser
parser = Parser(3600, 512, "tests.hostile_parsers:by_name")
print(parser._worker().pid, flush=True)
parser.parse(Path("hang.md"), b"x")  # never returns within the test
"""


def test_a_worker_stuck_in_a_parser_ends_when_its_owner_is_killed():
    """The worker has a process group of its own; if its owner dies without closing it (killed,
    hung up on), a parser stuck in a loop would never read the closed pipe and spin forever."""
    import os
    import signal
    import subprocess
    import sys

    owner = subprocess.Popen(
        [sys.executable, "-c", _STUCK],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        text=True,
    )
    worker = int(owner.stdout.readline())
    time.sleep(0.5)  # the worker is in the loop now
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait(30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _running(worker):
        time.sleep(0.1)
    alive = _running(worker)
    if alive:
        os.kill(worker, signal.SIGKILL)
    assert not alive


def test_a_worker_whose_owner_stopped_listening_ends_without_a_traceback():
    """An owner that exits while its worker is still starting (Ctrl+C in the first seconds of
    a build) closes the pipe before the worker says it is ready: the worker ends quietly,
    exit status 1, instead of printing a BrokenPipeError into the owner's terminal. The pipe's
    reading end is closed before the worker starts, so its first reply always finds no one."""
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        worker = subprocess.Popen(
            [sys.executable, "-m", "advisor.ingest.loaders.sandbox", HOSTILE, "64"],
            stdin=subprocess.PIPE,
            stdout=write_end,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(write_end)
    _, errors = worker.communicate(timeout=120)
    assert worker.returncode == 1, errors
    assert b"Traceback" not in errors and b"BrokenPipe" not in errors, errors


def test_a_worker_that_died_is_reported_not_a_broken_pipe():
    """A worker that dies after it was found alive and before a file reaches it: the file is
    reported as a crash (LoadError), not as a BrokenPipeError from writing to it or from
    closing the pipe that still holds the unsent file; the next file gets a new worker."""

    class DiesBeforeTheFile(Parser):
        def _worker(self):
            proc = super()._worker()
            if not getattr(self, "died", False):
                self.died = True
                proc.kill()
                proc.wait()
            return proc

    with DiesBeforeTheFile(10, 512) as parser:
        with pytest.raises(LoadError, match="crashed"):
            parser.parse(Path("a.md"), GOOD)
        assert parser.parse(Path("b.md"), GOOD).title == "Fine"
