"""Give memory freed after a burst of requests back to the system. glibc keeps freed heap in
its arenas: 200 slow request bodies, each refused, left a serving process 10% larger for good
(evals/load_mixed.py), and each later burst added as much again; `malloc_trim` returned it."""

from __future__ import annotations

import ctypes
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("advisor.ui")

# HAND-SET. Trimming walks the free lists under malloc's lock for a few milliseconds; once
# every 10 s costs nothing measurable, and memory is back within seconds of a burst's end.
TRIM_SECONDS = 10.0

_started = threading.Lock()
_thread: threading.Thread | None = None


def trimmer() -> Callable[[], object] | None:
    """libc's `malloc_trim(0)`, or None where there is none (musl, macOS, Windows)."""
    try:  # the C library this process has loaded already
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: trim(0)


def keep_trimmed(every: float = TRIM_SECONDS) -> bool:
    """Trim in a daemon thread every `every` seconds, once per process; False where libc
    cannot trim."""
    global _thread
    trim = trimmer()
    if trim is None:
        return False
    with _started:
        if _thread is None:
            _thread = threading.Thread(
                target=_loop, args=(trim, every), name="malloc-trim", daemon=True
            )
            _thread.start()
    return True


def _loop(trim: Callable[[], object], every: float) -> None:
    while True:  # a daemon thread: it ends with the process
        time.sleep(every)
        try:
            trim()
        except Exception:  # never worth stopping the server for
            log.warning("malloc_trim failed; memory freed after bursts stays held", exc_info=True)
            return
