"""Markdown with optional YAML front matter (title, source, url, published, topics)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from advisor.ingest.loaders.common import (
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

# Every pattern here is linear in the line's length: a file is data, and a heading such as
# "# a" + 10,000 spaces + "b" took minutes with the backtracking pattern this replaced.
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*)$")
_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(.*)$")
_SEP_CELL = re.compile(r":?-{2,}:?")
# A label holds no brackets and a target no parentheses except balanced pairs, so each match
# attempt stops at the next bracket or parenthesis instead of scanning to the end of the text.
_LINK = re.compile(r"!?\[([^\[\]]*)\]\(((?:[^()]|\([^()]*\))*)\)")
# One pattern per delimiter, whose content cannot hold that delimiter: an attempt ends at the
# next delimiter. Underscores inside words (snake_case) are not emphasis.
_EMPHASIS = (  # (delimiter, pattern)
    ("`", re.compile(r"`([^`]+)`")),
    ("*", re.compile(r"\*\*(?=\S)([^*]+)(?<=\S)\*\*")),
    ("_", re.compile(r"(?<!\w)__(?=\S)([^_]+)(?<=\S)__(?!\w)")),
    ("*", re.compile(r"\*(?=\S)([^*]+)(?<=\S)\*")),
    ("_", re.compile(r"(?<!\w)_(?=\S)([^_]+)(?<=\S)_(?!\w)")),
)
MAX_FRONT_MATTER = 64 * 1024  # a few hundred lines of metadata; more is not front matter


def _inner(m: re.Match[str]) -> str:
    return m.group(1)


def strip_inline(text: str) -> str:
    """Markdown inline markup to plain text: links keep their label, images their alt text."""
    for _ in range(2):  # nested markup such as ***x*** or a linked image
        if "[" in text:  # most lines have no markup: skip the patterns that cannot match
            text = _LINK.sub(_inner, text)
        for delimiter, pattern in _EMPHASIS:
            if delimiter in text:
                text = pattern.sub(_inner, text)
    return text


def _heading_text(rest: str) -> str:
    """The text after '## ', without an optional closing run of '#' (which needs a space
    before it: '# Learn C#' keeps its '#')."""
    text = rest.rstrip()
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1] in " \t"):
        text = bare.rstrip()
    return text


def _is_table_sep(line: str) -> bool:
    """'|---|:--:|' and the like: cells of two or more dashes, optional colons."""
    inner = line.strip().removeprefix("|").removesuffix("|")
    return bool(inner) and all(_SEP_CELL.fullmatch(c.strip()) for c in inner.split("|"))


class _NoAliases(yaml.SafeLoader):
    """YAML without anchors and aliases: front matter never needs them, and a few aliases
    nested in 190 bytes expand to a title of half a million characters."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed", self.peek_event().start_mark
            )
        return super().compose_node(parent, index)


def split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    end = re.search(r"^---[ \t]*$", text[3:], flags=re.MULTILINE)
    if end is None:
        raise LoadError("front matter starts with --- but never ends")
    raw, body = text[3 : 3 + end.start()], text[3 + end.end() :]
    if len(raw) > MAX_FRONT_MATTER:
        raise LoadError(f"front matter longer than {MAX_FRONT_MATTER // 1024} KB")
    try:
        meta = yaml.load(raw, Loader=_NoAliases) or {}
    except yaml.YAMLError as err:
        raise LoadError(f"malformed front matter: {str(err).splitlines()[0]}") from err
    if not isinstance(meta, dict):
        raise LoadError("malformed front matter: expected key: value pairs")
    return meta, body


def parse_blocks(body: str) -> list[Block]:
    """Headings, list items (with continuation lines), table rows and paragraphs."""
    blocks: list[Block] = []
    para: list[str] = []
    item_parts: list[str] = []  # the open list item and its continuation lines
    table_header: list[str] | None = None

    def emit(block: Block | None) -> None:
        if item_parts:  # parts are joined once: appending to the text made long items quadratic
            if done := item(strip_inline(" ".join(item_parts))):
                blocks.append(done)
            item_parts.clear()
        if block:
            blocks.append(block)

    def flush() -> None:
        if para:
            emit(paragraph(strip_inline(" ".join(para))))
            para.clear()

    lines = body.split("\n")
    in_fence = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_fence = not in_fence
            flush()
            continue
        if in_fence:
            para.append(line)
            continue
        if not stripped:
            flush()
            table_header = None
            continue
        if m := _HEADING.match(line):
            flush()
            emit(heading(strip_inline(_heading_text(m.group(2))), len(m.group(1))))
        elif stripped.startswith("|"):
            flush()
            if _is_table_sep(line):
                continue
            cells = [strip_inline(c.strip()) for c in stripped.strip("|").split("|")]
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if table_header is None and _is_table_sep(nxt):
                table_header = cells
                continue
            if row := tidy(_row_text(table_header, cells)):  # a lone "|" is no row
                emit(Block("row", row))
        elif m := _ITEM.match(line):
            flush()
            emit(None)
            item_parts.append(m.group(1))
        elif item_parts and line.startswith((" ", "\t")) and not para:
            item_parts.append(stripped)
        else:
            para.append(stripped)
    flush()
    emit(None)
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
    elif not isinstance(topics, list | tuple):  # a lone number or a mapping
        topics = [topics]
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
