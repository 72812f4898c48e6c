"""What an indexing run is doing right now, kept in a small file in the index folder so a
server in another process can show it ("Indexing: embedding 1,200 of 8,143 passages")."""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

FILE = "indexing.json"
WRITE_EVERY = 0.5  # seconds between writes: progress calls come per file and per batch
# A run that has not written for this long is taken for dead even if its process id is in use
# (ids are reused): the slowest step between two reports, one embedding batch of a long
# document on a loaded machine, takes seconds, not minutes.
STALE_SECONDS = 300.0
UNITS = {"reading": "articles", "chunking": "articles", "embedding": "passages"}
# Stages named for a reader of the status line: "copying" also covers opening the store and
# loading the model, "ranking" writes the keyword ranker and the library's inventory.
WORDS = {"copying": "preparing the new index", "ranking": "finishing"}


@dataclass(frozen=True)
class Activity:
    """One indexing run's latest progress report."""

    what: str  # "the library", "the career library (ooh)"
    stage: str  # reading, chunking, copying, embedding, ranking, downloading
    done: int
    total: int
    pid: int
    updated: float  # time.time() of the report

    def line(self) -> str:
        """The status line's words.

        >>> Activity("the library", "reading", 120, 354, 1, 0.0).line()
        'Indexing the library: reading 120 of 354 articles'
        >>> Activity("the library", "ranking", 0, 1, 1, 0.0).line()
        'Indexing the library: finishing'
        """
        unit = UNITS.get(self.stage)
        if unit is None and self.stage != "downloading":
            return f"Indexing {self.what}: {WORDS.get(self.stage, self.stage)}"
        verb = "Adding" if self.stage == "downloading" else "Indexing"
        return f"{verb} {self.what}: {self.stage} {self.done:,} of {self.total:,} {unit or 'pages'}"


class ActivityLog:
    """A progress callback (stage, done, total) that also writes the report to the index
    folder, at most every WRITE_EVERY seconds; `close()` removes it. Use as a context manager."""

    def __init__(self, index_dir: Path, what: str, forward=None) -> None:
        self.path = Path(index_dir) / FILE
        self.what, self.forward = what, forward
        self._written = 0.0
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.forward is not None:
            self.forward(stage, done, total)
        now = time.monotonic()
        if stage == self._stage and now - self._written < WRITE_EVERY and done < total:
            return
        self._stage, self._written = stage, now
        record = Activity(self.what, stage, done, total, os.getpid(), time.time())
        with contextlib.suppress(OSError):  # progress is a courtesy: never fail the run
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{FILE}.{os.getpid()}")
            tmp.write_text(json.dumps(asdict(record)), encoding="utf-8")
            os.replace(tmp, self.path)

    def close(self) -> None:
        """Remove the report, if it is still this process's (another run may have begun)."""
        with contextlib.suppress(OSError, ValueError):
            if json.loads(self.path.read_text("utf-8")).get("pid") == os.getpid():
                self.path.unlink()

    def __enter__(self) -> ActivityLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def read_activity(index_dir: Path, alive=_alive) -> Activity | None:
    """The running index job's latest report, or None when none runs (no file, a finished or
    killed run's leftover, or an unreadable file)."""
    try:
        raw = json.loads((Path(index_dir) / FILE).read_text("utf-8"))
        record = Activity(**raw)
    except (OSError, ValueError, TypeError):
        return None
    if time.time() - record.updated > STALE_SECONDS or not alive(record.pid):
        return None
    return record
