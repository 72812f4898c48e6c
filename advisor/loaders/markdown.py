"""Markdown with optional YAML front matter (title, source, url, published, topics)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from advisor.loaders.common import (
    LoadError,
    decode_text,
    doc_id_for,
    heading,
    item,
    paragraph,
    parse_date,
    safe_url,
    tidy,
)
from advisor.records import Block, Document

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(.*)$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


def strip_inline(text: str) -> str:
    """Markdown inline markup to plain text: links keep their label, images their alt text."""
    text = _LINK.sub(r"\1", text)
    for _ in range(2):  # nested emphasis such as ***x***
        text = _EMPHASIS.sub(r"\2", text)
    return text


def split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    end = re.search(r"^---\s*$", text[3:], flags=re.MULTILINE)
    if end is None:
        raise LoadError("front matter starts with --- but never ends")
    raw, body = text[3 : 3 + end.start()], text[3 + end.end() :]
    try:
        meta = yaml.safe_load(raw) or {}
    except yaml.YAMLError as err:
        raise LoadError(f"malformed front matter: {str(err).splitlines()[0]}") from err
    if not isinstance(meta, dict):
        raise LoadError("malformed front matter: expected key: value pairs")
    return meta, body


def parse_blocks(body: str) -> list[Block]:
    """Headings, list items (with continuation lines), table rows and paragraphs."""
    blocks: list[Block] = []
    para: list[str] = []
    table_header: list[str] | None = None

    def flush() -> None:
        if para:
            block = paragraph(strip_inline(" ".join(para)))
            if block:
                blocks.append(block)
            para.clear()

    lines = body.split("\n")
    in_fence = False
    for i, line in enumerate(lines):
        if line.strip().startswith("```"):
            in_fence = not in_fence
            flush()
            continue
        if in_fence:
            para.append(line)
            continue
        if not line.strip():
            flush()
            table_header = None
            continue
        if m := _HEADING.match(line):
            flush()
            blocks.append(heading(strip_inline(m.group(2)), len(m.group(1))))
        elif line.lstrip().startswith("|"):
            flush()
            cells = [strip_inline(c.strip()) for c in line.strip().strip("|").split("|")]
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if _TABLE_SEP.match(line):
                continue
            if table_header is None and _TABLE_SEP.match(nxt):
                table_header = cells
                continue
            blocks.append(Block("row", tidy(_row_text(table_header, cells))))
        elif m := _ITEM.match(line):
            flush()
            block = item(strip_inline(m.group(1)))
            if block:
                blocks.append(block)
        elif blocks and blocks[-1].kind == "item" and line.startswith((" ", "\t")) and not para:
            merged = f"{blocks[-1].text} {strip_inline(line.strip())}"
            blocks[-1] = Block("item", merged)
        else:
            para.append(line.strip())
    flush()
    return blocks


def _row_text(header: list[str] | None, cells: list[str]) -> str:
    if header and len(header) == len(cells):
        pairs = [f"{h}: {c}" if h else c for h, c in zip(header, cells, strict=True) if c]
        return "; ".join(pairs)
    return " | ".join(c for c in cells if c)


def load(path: Path, data: bytes) -> Document:
    meta, body = split_front_matter(decode_text(data))
    blocks = parse_blocks(body)
    title = str(meta.get("title") or "")
    if not title:
        first = next((b for b in blocks if b.kind == "heading"), None)
        title = first.text if first else path.stem.replace("-", " ").title()
    if blocks and blocks[0].kind == "heading" and blocks[0].level == 1 and blocks[0].text == title:
        blocks = blocks[1:]
    topics = meta.get("topics") or ()
    if isinstance(topics, str):
        topics = [t.strip() for t in topics.split(",")]
    return Document(
        doc_id=doc_id_for(path),
        title=title,
        blocks=tuple(blocks),
        path=str(path),
        url=safe_url(meta.get("url")),
        source=str(meta.get("source") or ""),
        published=parse_date(meta.get("published")),
        topics=tuple(str(t) for t in topics),
    )
