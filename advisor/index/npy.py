"""Loading .npy files one thread at a time: numpy reads a file's header with
`ast.literal_eval`, and CPython 3.11's AST builder keeps its depth count in state every thread
shares (python/cpython#106905), so two loads at once can fail with "SystemError: AST
constructor recursion depth mismatch" (a question's dense and keyword sides both open their
files on a generation's first search)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Literal

import numpy as np

_HEADER_LOCK = threading.Lock()


def load(path: Path, mmap_mode: Literal["r"] | None = None) -> Any:
    """`np.load(path, mmap_mode=...)`, never beside another load of this process."""
    with _HEADER_LOCK:
        return np.load(path, mmap_mode=mmap_mode)
