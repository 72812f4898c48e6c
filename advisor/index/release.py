"""Letting go of what the garbage collector frees, off the thread that freed it: a finalizer
runs inside whatever code set off the collection, and that code may hold a lock the release
needs (an HTTP client's connection pool, the index's lease table). It only queues the work."""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Job = Callable[[], None]

# HAND-SET: how long exit waits for a release already under way (a lease removal on a Chroma
# server is one HTTP call); a lease left behind expires anyway (LEASE_TTL_SECONDS)
EXIT_WAIT_SECONDS = 5.0


class Releaser:
    """One daemon thread per process runs, in order, the releases finalizers queue.

    >>> r = Releaser()
    >>> done = []
    >>> r.defer(lambda: done.append("released"))
    >>> r.wait(timeout=5.0), done
    (True, ['released'])
    """

    def __init__(self) -> None:
        # `defer` runs inside finalizers and takes no lock: SimpleQueue.put is reentrant
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._lock = threading.Lock()  # starts the thread once; never taken by `defer`
        self._thread: threading.Thread | None = None

    def defer(self, job: Job) -> None:
        """Queue `job`; safe inside a finalizer."""
        self._jobs.put(job)

    def start(self) -> None:
        """Start the thread (from ordinary code: an object's constructor, never a finalizer)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="releaser", daemon=True)
                self._thread.start()

    def forget_thread(self) -> None:
        """In a forked child the parent's thread does not run, and its queue holds the
        parent's work: start afresh (the next `start` makes a thread)."""
        self._jobs = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread = None

    def _run(self) -> None:
        while True:
            self._call(self._jobs.get())

    @staticmethod
    def _call(job: Job) -> None:
        try:
            job()
        except Exception:  # one failed release must not stop the others
            log.warning("a release failed", exc_info=True)

    def wait(self, timeout: float = 30.0) -> bool:
        """Until every job queued before this call has run (the queue is first in, first out
        with one consumer: a marker queued now runs after them); False when `timeout` seconds
        pass first. With no thread running, the jobs run here."""
        if self._thread is None or not self._thread.is_alive():
            self.drain()
            return True
        reached = threading.Event()
        self._jobs.put(reached.set)
        return reached.wait(timeout)

    def drain(self) -> None:
        """Run what is queued here and now."""
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            self._call(job)


RELEASER = Releaser()
os.register_at_fork(after_in_child=RELEASER.forget_thread)
_exiting = False  # set by `_at_exit`: from then on the main thread releases where it frees
_hook_lock = threading.Lock()
_hooked = False


def release_later(owner: Any, job: Job) -> weakref.finalize:
    """A finalizer that hands `job` to the releaser when `owner` is collected (`job` must not
    hold `owner`). To release at once, call `close_now` with it."""
    RELEASER.start()
    done = weakref.finalize(owner, _deferred, job)
    _hook_exit()
    return done


def close_now(finalizer: weakref.finalize, job: Job) -> None:
    """Release at once, from ordinary code (idempotent: a detached finalizer runs nothing)."""
    if finalizer.detach() is not None:
        job()


def _deferred(job: Job) -> None:
    if _exiting and threading.current_thread() is threading.main_thread():
        job()  # weakref runs the finalizers of what is alive at exit, from ordinary code
    else:
        RELEASER.defer(job)


def _hook_exit() -> None:
    """Hook `_at_exit` once, after the first finalizer: weakref has hooked its own by then, and
    exit hooks run last-hooked first, so ours runs before weakref finalizes what is alive."""
    global _hooked
    with _hook_lock:  # `release_later` runs in ordinary code: a lock is safe here
        if not _hooked:
            atexit.register(_at_exit)
            _hooked = True


def _at_exit() -> None:
    """Let the releases under way finish (the daemon thread stops dead at exit), then run
    what is still queued here."""
    global _exiting
    _exiting = True
    if not RELEASER.wait(EXIT_WAIT_SECONDS):
        log.warning("a release was still running at exit")
    RELEASER.drain()
