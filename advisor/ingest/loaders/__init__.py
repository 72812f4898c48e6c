"""Find source files and load each into a `Document`, reporting bad files instead of failing."""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from advisor.ingest.loaders.common import LoadError
from advisor.records import Block, Document

__all__ = [
    "SUFFIXES",
    "LoadError",
    "Problem",
    "discover",
    "load_file",
    "parse_bytes",
    "read_source",
]

SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")


@dataclass(frozen=True)
class Problem:
    """A file that could not be used, and why (shown to the user by name)."""

    path: str
    reason: str


def _loader_for(suffix: str) -> Callable[[Path, bytes], Document]:
    # Imported lazily: the HTML and PDF stacks are only paid for when such files exist.
    if suffix in (".md", ".markdown"):
        from advisor.ingest.loaders.markdown import load
    elif suffix == ".txt":
        from advisor.ingest.loaders.plaintext import load
    elif suffix in (".html", ".htm"):
        from advisor.ingest.loaders.html import load
    else:
        from advisor.ingest.loaders.pdf import load
    return load


def discover(paths: Iterable[Path], follow_links: bool = False) -> tuple[list[Path], list[Problem]]:
    """Expand files and folders into supported files (sorted, deduplicated) and problems.

    Symbolic links that lead outside the given files and folders, and hard-linked files, are
    reported and skipped (a `notes.txt` pointing at a credentials file would otherwise be
    served to every user), unless `follow_links` is set."""
    roots = [Path(p) for p in paths]
    inside = [r.resolve() for r in roots if r.exists()]
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for root in roots:
        if not root.exists():
            problems.append(Problem(str(root), "no such file or folder"))
            continue
        for path in _walk(root, problems, inside, follow_links):
            if path.suffix.lower() in SUFFIXES:
                found.setdefault(str(path.resolve()), path)
            elif root.is_file():
                problems.append(
                    Problem(str(path), f"unsupported file type {path.suffix or '(none)'}")
                )
    return sorted(found.values(), key=lambda p: str(p)), problems


def _within(path: Path, roots: list[Path]) -> bool:
    real = path.resolve()
    return any(real == r or r in real.parents for r in roots)


_OUTSIDE = (
    "symbolic link to outside the ingested folders, skipped (ADVISOR_FOLLOW_LINKS=1 follows it)"
)


# A hard link is the same file under a second name, and nothing in the name says where else
# it lives (a hard link to another user's file reads as an ordinary file in the folder).
_HARD_LINK = (
    "a hard link (the file has other names, maybe outside the ingested folders), skipped "
    "(ADVISOR_FOLLOW_LINKS=1 reads it)"
)


def _hard_linked(path: Path) -> bool:
    """The file (a symbolic link's target included) has other names."""
    try:
        st = path.stat()
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_nlink > 1


def _walk(
    root: Path, problems: list[Problem], inside: list[Path], follow_links: bool
) -> Iterator[Path]:
    if root.is_file():
        yield root  # named by the user: followed even when it is a link
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
        kept = []
        for d in sorted(d for d in dirnames if not d.startswith(".")):
            link = Path(dirpath) / d
            if follow_links or not link.is_symlink() or _within(link, inside):
                kept.append(d)
            else:
                problems.append(Problem(str(link), _OUTSIDE))
        dirnames[:] = kept
        for name in sorted(filenames):
            if name.startswith(".") or name.upper().startswith(("README", "SOURCE")):
                continue
            path = Path(dirpath) / name
            if not (follow_links or _within(path, inside)):
                problems.append(Problem(str(path), _OUTSIDE))
            elif not follow_links and _hard_linked(path):
                problems.append(Problem(str(path), _HARD_LINK))
            else:
                yield path


def read_source(path: Path, max_bytes: int = 20 * 2**20) -> bytes:
    """The file's bytes, read once: the same bytes are hashed and parsed."""
    try:
        size = path.stat().st_size
        if size == 0:
            raise LoadError("empty file")
        if size > max_bytes:
            raise LoadError(f"too large ({size / 2**20:.1f} MB > {max_bytes / 2**20:.0f} MB limit)")
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # the file may have grown since stat
    except OSError as err:
        raise LoadError(f"cannot read: {err.strerror or err}") from err
    if not data:
        raise LoadError("empty file")
    if len(data) > max_bytes:
        raise LoadError(f"too large (more than {max_bytes / 2**20:.0f} MB limit)")
    return data


def parse_bytes(path: Path, data: bytes) -> Document:
    """Parse a file's bytes; any failure, ours or a library's, is a LoadError with a reason."""
    try:
        doc = _loader_for(path.suffix.lower())(path, data)
    except LoadError:
        raise
    except RecursionError as err:
        raise LoadError("nested too deeply to parse") from err
    except MemoryError as err:
        raise LoadError("needs too much memory to parse") from err
    except Exception as err:  # a parser bug on one file must not stop the others
        detail = str(err).splitlines()[0][:200] if str(err) else ""
        raise LoadError(f"could not parse ({type(err).__name__}: {detail})") from err
    doc = _bounded(doc)
    if not any(b.kind != "heading" for b in doc.blocks):
        raise LoadError("no text found")
    return doc


# Titles and headings are repeated in every chunk's heading path and counted for each section:
# a "heading" longer than this is prose that lost its line breaks, and is kept as a paragraph.
MAX_TITLE_CHARS = 300
MAX_HEADING_CHARS = 300


def _bounded(doc: Document) -> Document:
    blocks = tuple(
        Block("paragraph", b.text) if b.kind == "heading" and len(b.text) > MAX_HEADING_CHARS else b
        for b in doc.blocks
    )
    title = doc.title
    if len(title) > MAX_TITLE_CHARS:
        title = title[:MAX_TITLE_CHARS].rsplit(" ", 1)[0] + "…"
    if blocks == doc.blocks and title == doc.title:
        return doc
    return dataclasses.replace(doc, title=title, blocks=blocks)


def load_file(path: Path, max_bytes: int = 20 * 2**20) -> Document:
    """Load one file in this process; raise LoadError with a human reason when it cannot be
    used. Ingest parses in a budgeted worker instead (advisor.ingest.loaders.sandbox)."""
    return parse_bytes(path, read_source(path, max_bytes))
