"""Find source files and load each into a `Document`, reporting bad files instead of failing."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from advisor.loaders.common import LoadError
from advisor.records import Document

__all__ = ["SUFFIXES", "LoadError", "Problem", "discover", "load_file"]

SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")


@dataclass(frozen=True)
class Problem:
    """A file that could not be used, and why (shown to the user by name)."""

    path: str
    reason: str


def _loader_for(suffix: str) -> Callable[[Path, bytes], Document]:
    # Imported lazily: the HTML and PDF stacks are only paid for when such files exist.
    if suffix in (".md", ".markdown"):
        from advisor.loaders.markdown import load
    elif suffix == ".txt":
        from advisor.loaders.plaintext import load
    elif suffix in (".html", ".htm"):
        from advisor.loaders.html import load
    else:
        from advisor.loaders.pdf import load
    return load


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Expand files and folders into supported files (sorted, deduplicated) and problems."""
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for root in paths:
        root = Path(root)
        if not root.exists():
            problems.append(Problem(str(root), "no such file or folder"))
            continue
        for path in _walk(root, problems):
            if path.suffix.lower() in SUFFIXES:
                found.setdefault(str(path.resolve()), path)
            elif root.is_file():
                problems.append(
                    Problem(str(path), f"unsupported file type {path.suffix or '(none)'}")
                )
    return sorted(found.values(), key=lambda p: str(p)), problems


def _walk(root: Path, problems: list[Problem]) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    seen: set[tuple[int, int]] = set()

    def onerror(err: OSError) -> None:
        problems.append(Problem(str(err.filename or root), f"cannot read folder: {err.strerror}"))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=onerror):
        st = os.stat(dirpath)
        if (st.st_dev, st.st_ino) in seen:  # a symlink loop: visit each folder once
            problems.append(Problem(dirpath, "symlink loop, skipped"))
            dirnames[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and not name.upper().startswith(("README", "SOURCE")):
                yield Path(dirpath) / name


def load_file(path: Path, max_bytes: int = 20 * 2**20) -> Document:
    """Load one file; raise LoadError with a human reason when it cannot be used."""
    try:
        size = path.stat().st_size
    except OSError as err:
        raise LoadError(f"cannot read: {err.strerror}") from err
    if size == 0:
        raise LoadError("empty file")
    if size > max_bytes:
        raise LoadError(f"too large ({size / 2**20:.1f} MB > {max_bytes / 2**20:.0f} MB limit)")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise LoadError(f"cannot read: {err.strerror}") from err
    doc = _loader_for(path.suffix.lower())(path, data)
    if not any(b.kind != "heading" for b in doc.blocks):
        raise LoadError("no text found")
    return doc
