"""Loading .npy files from several threads at once (advisor.index.npy)."""

from __future__ import annotations

import gc
import sys
import threading

import numpy as np

from advisor.index import npy


class _Finalized:
    """Garbage whose finalizer runs Python code: a collection inside numpy's header parsing
    then lets another thread run mid-parse, the way a busy server's garbage does."""

    def __del__(self) -> None:
        sum(range(200))


def test_loads_in_many_threads_at_once_never_fail(tmp_path):
    """Without the lock this load fails about once in a hundred (SystemError: AST constructor
    recursion depth mismatch, CPython 3.11); with it, never."""
    for i in range(4):
        np.save(tmp_path / f"{i}.npy", np.full((3, 3), i))
    interval, thresholds = sys.getswitchinterval(), gc.get_threshold()
    errors: list[Exception] = []

    def load_many(i: int) -> None:
        for _ in range(1500):
            a, b = _Finalized(), _Finalized()
            a.other, b.other = b, a  # a cycle: only the collector frees it
            try:
                assert npy.load(tmp_path / f"{i}.npy", mmap_mode="r")[0, 0] == i
            except Exception as e:  # every failure is counted
                errors.append(e)

    sys.setswitchinterval(1e-6)
    gc.set_threshold(50, 5, 5)
    try:
        threads = [threading.Thread(target=load_many, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
        gc.set_threshold(*thresholds)
    assert not errors, errors[:3]
