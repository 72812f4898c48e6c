"""Plain text as saved from a web page: a `Published:` line, headings as short standalone
lines, `•` bullets with indented descriptions, footnote-numbered sources, and two-column
tables that became alternating paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from advisor.loaders.common import (
    decode_text,
    doc_id_for,
    heading,
    item,
    paragraph,
    parse_date,
    tidy,
)
from advisor.records import Block, Document
from advisor.textutil import clean_ws

_BULLET = re.compile(r"^\s*[•●▪◦‣*-]\s+")
_PUBLISHED = re.compile(r"^\s*(?:Published|Date|Updated)\s*:\s*(.+)$", re.IGNORECASE)
_FOOTNOTE_SOURCE = re.compile(r"^\s*(\d{1,2})\s*(https?://\S+)\s*$")


@dataclass
class _Para:
    text: str
    indent: int
    bullet: bool


def _paragraphs(lines: list[str]) -> list[_Para]:
    """Group non-blank lines into paragraphs; a bullet line always starts a new one."""
    out: list[_Para] = []
    current: _Para | None = None
    for line in lines:
        if not line.strip():
            current = None
            continue
        indent = len(line) - len(line.lstrip())
        bullet = bool(_BULLET.match(line))
        text = _BULLET.sub("", line).strip() if bullet else line.strip()
        if current is None or bullet:
            current = _Para(text, indent, bullet)
            out.append(current)
        else:
            current.text = f"{current.text} {text}"
    return out


def _is_heading(p: _Para) -> bool:
    words = p.text.split()
    if p.bullet or p.indent or not words or len(words) > 12 or len(p.text) > 90:
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
    i = 0
    while i < len(paras):
        p = paras[i]
        if _is_heading(p):
            run = i
            while run < len(paras) and _is_heading(paras[run]):
                run += 1
            end = run
            while end < len(paras) and not paras[end].bullet and not _is_heading(paras[end]):
                end += 1
            n_cols, n_cells = run - i, end - run
            if n_cols >= 2 and n_cells >= n_cols and n_cells % n_cols == 0:
                headers = [paras[k].text for k in range(i, run)]
                cells = [_attach_footnotes(paras[k].text, notes) for k in range(run, end)]
                blocks.append(heading(" vs ".join(headers), 3))
                blocks.extend(_table_rows(headers, cells))
                i = end
                continue
            blocks.append(heading(p.text.rstrip(":"), 2))
        elif p.bullet or (p.indent and blocks and blocks[-1].kind == "item"):
            body = _attach_footnotes(p.text, notes)
            if p.bullet:
                block = item(body)
                if block:
                    blocks.append(block)
            else:  # an indented description continues the bullet above it
                label = blocks[-1].text
                sep = " " if label.endswith((":", ".", "?", "!")) else ": "
                blocks[-1] = Block("item", clean_ws(label + sep + body))
        else:
            block = paragraph(_attach_footnotes(p.text, notes))
            if block:
                blocks.append(block)
        i += 1
    return title, published, blocks


def load(path: Path, data: bytes) -> Document:
    title, published, blocks = parse(decode_text(data))
    return Document(
        doc_id=doc_id_for(path),
        title=title or path.stem.replace("-", " ").title(),
        blocks=tuple(blocks),
        path=str(path),
        published=published,
    )
