"""Plain text as saved from a web page: a `Published:` line, headings as short standalone
lines, `•` bullets with indented descriptions, footnote-numbered sources, and two-column
tables that became alternating paragraphs."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from advisor.ingest.loaders.common import (
    decode_text,
    doc_id_for,
    heading,
    item,
    paragraph,
    parse_date,
    tidy,
)
from advisor.records import Block, Document
from advisor.text.textutil import clean_ws

_BULLET = re.compile(r"^\s*[•●▪◦‣*-]\s+")
_PUBLISHED = re.compile(r"^\s*(?:Published|Date|Updated)\s*:\s*(.+)$", re.IGNORECASE)
_FOOTNOTE_SOURCE = re.compile(r"^\s*(\d{1,2})\s*(https?://\S+)\s*$")


@dataclass
class _Para:
    text: str
    indent: int
    bullet: bool
    heading: bool = False


def _paragraphs(lines: list[str]) -> list[_Para]:
    """Group non-blank lines into paragraphs; a bullet line always starts a new one."""
    out: list[_Para] = []
    parts: list[str] = []  # joined once per paragraph: growing a string per line is quadratic

    def close() -> None:
        if parts:
            out[-1].text = " ".join(parts)
            out[-1].heading = _is_heading(out[-1])
            parts.clear()

    for line in lines:
        stripped = line.strip()
        if not stripped:
            close()
            continue
        indent = len(line) - len(line.lstrip())
        bullet = bool(_BULLET.match(line))
        if not parts or bullet:
            close()
            out.append(_Para("", indent, bullet))
        parts.append(_BULLET.sub("", line, count=1).strip() if bullet else stripped)
    close()
    return out


def _is_heading(p: _Para) -> bool:
    if p.bullet or p.indent or not p.text or len(p.text) > 90:
        return False
    words = p.text.split()
    if len(words) > 12:
        return False
    if p.text.endswith(":"):
        return len(words) <= 3
    return not p.text.endswith((".", ",", ";")) and p.text[0].isupper()


def _footnotes(paras: list[_Para]) -> dict[str, str]:
    """Numbered source lines like '1https://www.example.com/...' -> {'1': 'example.com'}."""
    notes = {}
    for p in paras:
        for part in p.text.split():
            if m := _FOOTNOTE_SOURCE.match(part):
                notes[m.group(1)] = urlparse(m.group(2)).netloc.removeprefix("www.")
    return notes


def _attach_footnotes(text: str, notes: dict[str, str]) -> str:
    """'... in 2025.1 Next' -> '... in 2025 (source: payscale.com). Next'."""
    if not notes:
        return text

    def repl(m: re.Match[str]) -> str:
        return f" (source: {notes[m.group(2)]}){m.group(1)}"

    keys = "|".join(sorted(notes, key=len, reverse=True))
    return re.sub(rf"(?<=[a-z0-9%)])([.])({keys})(?=\s|$)", repl, text)


def _table_rows(headers: list[str], cells: list[str]) -> list[Block]:
    rows = []
    for i in range(0, len(cells), len(headers)):
        pairs = zip(headers, cells[i : i + len(headers)], strict=True)
        rows.append(Block("row", tidy(" ".join(f"{h}: {c}" for h, c in pairs))))
    return rows


def parse(text: str) -> tuple[str, str, list[Block]]:
    """Return (title, published, blocks) for web-saved plain text."""
    lines = text.split("\n")
    published = ""
    for i, line in enumerate(lines[:5]):
        if m := _PUBLISHED.match(line):
            published = parse_date(m.group(1))
            lines = lines[:i] + lines[i + 1 :]
            break
    paras = _paragraphs(lines)
    notes = _footnotes(paras)
    title = ""
    first = paras[0] if paras else None
    if first and not first.bullet and len(first.text) <= 150 and not first.text.endswith("."):
        title = paras.pop(0).text
    blocks: list[Block] = []
    # next_plain[k]: the first paragraph at or after k that is not a heading; next_stop[k]: the
    # first at or after k that is a heading or a bullet. Precomputed, so a long run of
    # heading-like lines is not rescanned from each of its lines (that was quadratic).
    n = len(paras)
    next_plain, next_stop = [n] * (n + 1), [n] * (n + 1)
    for k in range(n - 1, -1, -1):
        next_plain[k] = next_plain[k + 1] if paras[k].heading else k
        next_stop[k] = k if paras[k].heading or paras[k].bullet else next_stop[k + 1]
    item_parts: list[str] = []  # the open bullet and its indented descriptions

    def emit(block: Block | None) -> None:
        if item_parts:
            if done := item(_join_item(item_parts)):
                blocks.append(done)
            item_parts.clear()
        if block:
            blocks.append(block)

    i = 0
    while i < n:
        p = paras[i]
        if p.heading:
            run = next_plain[i]
            end = next_stop[run]
            n_cols, n_cells = run - i, end - run
            if n_cols >= 2 and n_cells >= n_cols and n_cells % n_cols == 0:
                headers = [paras[k].text for k in range(i, run)]
                cells = [_attach_footnotes(paras[k].text, notes) for k in range(run, end)]
                emit(heading(" vs ".join(headers), 3))
                blocks.extend(_table_rows(headers, cells))
                i = end
                continue
            emit(heading(p.text.rstrip(":"), 2))
        elif p.bullet:
            emit(None)
            item_parts.append(_attach_footnotes(p.text, notes))
        elif p.indent and item_parts:  # an indented description continues the bullet above it
            item_parts.append(_attach_footnotes(p.text, notes))
        else:
            emit(paragraph(_attach_footnotes(p.text, notes)))
        i += 1
    emit(None)
    return title, published, blocks


def _join_item(parts: list[str]) -> str:
    """'Teams' + 'Lead a group.' -> 'Teams: Lead a group.' (no colon after end punctuation)."""
    out = [parts[0]]
    for prev, body in itertools.pairwise(parts):
        out += [" " if prev.endswith((":", ".", "?", "!")) else ": ", body]
    return clean_ws("".join(out))


def load(path: Path, data: bytes) -> Document:
    title, published, blocks = parse(decode_text(data))
    return Document(
        doc_id=doc_id_for(path),
        title=title or path.stem.replace("-", " ").title(),
        blocks=tuple(blocks),
        path=str(path),
        published=published,
    )
