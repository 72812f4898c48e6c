"""Letting go of what the garbage collector frees, off the thread that freed it: a finalizer
runs inside whatever code set off the collection, and that code may hold a lock the release
needs (an HTTP client's connection pool, the index's lease table). It only queues the work."""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Job = Callable[[], None]


class Releaser:
    """One daemon thread per process runs the releases finalizers queue.

    >>> r = Releaser()
    >>> done = []
    >>> r.defer(lambda: done.append("released"))
    >>> r.wait(timeout=5.0), done
    (True, ['released'])
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        # counters, not a lock: `defer` runs inside finalizers, where taking a lock the
        # interrupted code holds would hang it (next() on a count is atomic)
        self._queued = itertools.count(1)
        self._last_queued = 0
        self._finished = 0
        self._lock = threading.Lock()  # starts the thread once; never taken by `defer`
        self._thread: threading.Thread | None = None

    def defer(self, job: Job) -> None:
        """Queue `job`; safe inside a finalizer (SimpleQueue.put is reentrant)."""
        self._last_queued = next(self._queued)
        self._jobs.put(job)

    def start(self) -> None:
        """Start the thread (from ordinary code: an object's constructor, never a finalizer)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="releaser", daemon=True)
                self._thread.start()

    def forget_thread(self) -> None:
        """In a forked child the parent's thread does not run: the next `start` makes one."""
        self._thread = None
        self._lock = threading.Lock()

    def _run(self) -> None:
        while True:
            self._call(self._jobs.get())

    def _call(self, job: Job) -> None:
        try:
            job()
        except Exception:  # one failed release must not stop the others
            log.warning("a release failed", exc_info=True)
        finally:
            self._finished += 1

    def wait(self, timeout: float = 30.0) -> bool:
        """Until every job queued so far has run (on the thread, or here when none runs);
        False when `timeout` seconds pass first."""
        target = self._last_queued
        deadline = time.monotonic() + timeout
        while self._finished < target:
            if self._thread is None:
                self.drain()
                continue
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def drain(self) -> None:
        """Run what is queued here and now (at exit, when the daemon thread may never run)."""
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            self._call(job)


RELEASER = Releaser()
os.register_at_fork(after_in_child=RELEASER.forget_thread)
_exiting = False  # set by `_at_exit`: from then on releases run where they are asked for
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
    if _exiting:  # weakref runs the finalizers of objects alive at exit from ordinary code
        job()
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
    global _exiting
    _exiting = True
    RELEASER.drain()
