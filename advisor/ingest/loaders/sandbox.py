"""Parse files in a worker process under a time and memory budget, so one hostile or broken
file (a parser that loops, a decompression bomb) is reported and skipped instead of stalling
or killing the whole ingest. The worker is started once and reused from file to file."""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import advisor
from advisor.ingest.loaders.common import LoadError
from advisor.records import Document

DEFAULT_TARGET = "advisor.ingest.loaders:parse_bytes"
_HEADER = struct.Struct("!Q")  # every message: its length, then a pickle
# A worker that has just failed on memory may have a fragmented heap: start a fresh one.
_RESTART_AFTER = ("needs too much memory",)
STARTUP_SECONDS = 120  # a new interpreter importing the loaders, on a machine under load


class Parser:
    """`parse(path, data)` like advisor.ingest.loaders.parse_bytes, but in a budgeted worker.

    `seconds` <= 0 parses in this process without a budget (for debugging and profiling)."""

    def __init__(self, seconds: float, memory_mb: int, target: str = DEFAULT_TARGET) -> None:
        self.seconds, self.memory_mb, self.target = seconds, memory_mb, target
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Parser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def parse(self, path: Path, data: bytes) -> Document:
        if self.seconds <= 0:
            return _resolve(self.target)(path, data)
        proc = self._worker()
        try:
            _send(proc.stdin, (str(path), data))
            status, value = _receive(proc.stdout, time.monotonic() + self.seconds)
        except TimeoutError:
            self.close()
            raise LoadError(
                f"took longer than {self.seconds:g} s to parse, skipped (ADVISOR_PARSE_SECONDS)"
            ) from None
        except (EOFError, OSError, pickle.UnpicklingError):
            code = self.close()
            raise LoadError(f"the parser crashed on this file (exit status {code})") from None
        if status == "ok":
            return value
        if str(value).startswith(_RESTART_AFTER):
            self.close()
            value = (
                f"needs more than {self.memory_mb} MB to parse, skipped (ADVISOR_PARSE_MEMORY_MB)"
            )
        raise LoadError(value)

    def _worker(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            # the package's parent folder first, so a source checkout works without install
            root = str(Path(advisor.__file__).resolve().parents[1])
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(
                p for p in (root, os.environ.get("PYTHONPATH", "")) if p
            )}  # fmt: skip
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "advisor.ingest.loaders.sandbox",
                    self.target,
                    str(self.memory_mb),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                # Out of the terminal's foreground group: Ctrl+C reaches the ingest, which
                # closes its worker, instead of interrupting the worker mid-read into a
                # traceback of its own. An owner that dies closes the pipe, and the worker ends.
                process_group=0,
            )
            try:  # the budget is for parsing: starting the worker is not charged to a file
                _receive(self._proc.stdout, time.monotonic() + STARTUP_SECONDS)
            except (TimeoutError, EOFError, OSError, pickle.UnpicklingError) as err:
                code = self.close()
                raise LoadError(f"the parse worker did not start (exit status {code})") from err
        return self._proc

    def close(self) -> int | None:
        """Stop the worker; return its exit status."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe:
                # a worker that died before reading a file leaves it in the pipe's buffer:
                # closing flushes it to no one, and the pipe is closed all the same
                with contextlib.suppress(BrokenPipeError):
                    pipe.close()
        return proc.returncode


def _resolve(target: str):
    import importlib

    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _send(pipe, message: object) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(_HEADER.pack(len(payload)) + payload)
    pipe.flush()


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    parts, left = [], size
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _receive(pipe, deadline: float | None) -> tuple[str, object]:
    fd = pipe.fileno()
    (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
    return pickle.loads(_read_exactly(fd, size, deadline))


def _limit_memory(megabytes: int) -> None:
    """Address space for this file: what the worker uses now plus the budget."""
    try:
        import resource
    except ImportError:  # not on this platform: the time budget still holds
        return
    with open("/proc/self/statm") as fh:
        used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = used + megabytes * 2**20
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _serve(target: str, megabytes: int) -> None:
    """The worker: parse one file per message until stdin closes, or its owner is gone."""
    _end_with_owner(os.getppid())
    parse = _resolve(target)
    fd_in, out = sys.stdin.buffer.fileno(), sys.stdout.buffer
    sys.stdout = sys.stderr  # a library that prints must not corrupt the replies
    _send(out, ("ready", os.getpid()))
    while True:
        try:
            (size,) = _HEADER.unpack(_read_exactly(fd_in, _HEADER.size, None))
            path, data = pickle.loads(_read_exactly(fd_in, size, None))
        except EOFError:
            return
        try:
            _limit_memory(megabytes)
            reply: tuple[str, object] = ("ok", parse(Path(path), data))
        except LoadError as err:
            reply = ("error", str(err))
        except MemoryError:
            reply = ("error", "needs too much memory to parse")
        except Exception as err:
            reply = ("error", f"could not parse ({type(err).__name__}: {str(err)[:200]})")
        del data
        _send(out, reply)


def _end_with_owner(owner: int, every: float = 1.0) -> None:
    """Exit once the process that started this worker is gone (killed, hung up on): the
    worker is in a process group of its own, and a parser stuck in a loop never reads the
    closed pipe that would otherwise end it."""

    def watch() -> None:
        while os.getppid() == owner:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()


if __name__ == "__main__":
    try:
        _serve(sys.argv[1], int(sys.argv[2]))
    except BrokenPipeError:
        # The owner stopped listening (it exited while this worker was starting or parsing):
        # nobody is left to reply to, and a traceback would land in the terminal the owner
        # shared with it. End at once, with nothing left to flush into the closed pipe.
        os._exit(1)
