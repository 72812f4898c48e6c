"""Stand-in parse functions for the sandbox tests: a worker runs them by name, so a test can make
a parser that never returns, eats memory or dies, on the files it names."""

from __future__ import annotations

import os
from pathlib import Path

from advisor.ingest.loaders import parse_bytes
from advisor.records import Document


def by_name(path: Path, data: bytes) -> Document:
    """Misbehave on files named hang.*, hog.* or crash.*; parse the others for real."""
    kind = path.stem
    if kind == "hang":
        while True:  # a parser stuck in a loop: only the time budget stops it
            pass
    if kind == "hog":
        hoard = []
        while True:  # a decompression bomb, in effect: only the memory budget stops it
            hoard.append(bytearray(64 * 2**20))
    if kind == "crash":
        os._exit(7)  # a crash in native code, in effect
    return parse_bytes(path, data)


def worker_pid(path: Path, data: bytes) -> int:
    return os.getpid()
