"""Structure-aware chunking: chunks never cross a section, keep a list with its lead-in, carry
their heading path, and fit the embedding model's window (measured in its own tokens)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from advisor.records import Block, Chunk, Document
from advisor.text.textutil import split_sentences

TokenCounter = Callable[[str], int]
MODEL_WINDOW = 256  # all-MiniLM-L6-v2 reads 256 word pieces, [CLS] and [SEP] included


def estimate_tokens(text: str) -> int:
    """A cheap stand-in for the model tokenizer (about 1.3 word pieces per word)."""
    return int(len(text.split()) * 1.3) + 1


@dataclass
class _Unit:
    """Blocks that belong together: a paragraph, or a lead-in and its list."""

    lead: str
    lines: list[str]

    def text(self) -> str:
        return "\n".join(([self.lead] if self.lead else []) + self.lines)


def _line(block: Block) -> str:
    """Lines keep their kind in the chunk text: '- ' for list items, '| ' for table rows."""
    return {"item": "- ", "row": "| "}.get(block.kind, "") + block.text


def _sections(doc: Document) -> Iterator[tuple[str, list[Block]]]:
    """(heading path below the title, blocks) in reading order."""
    stack: list[tuple[int, str]] = []
    body: list[Block] = []
    for block in doc.blocks:
        if block.kind == "heading":
            if body:
                yield " > ".join(t for _, t in stack), body
                body = []
            while stack and stack[-1][0] >= block.level:
                stack.pop()
            stack.append((block.level, block.text))
        else:
            body.append(block)
    if body:
        yield " > ".join(t for _, t in stack), body


def _units(blocks: list[Block]) -> list[_Unit]:
    units: list[_Unit] = []
    for i, block in enumerate(blocks):
        listy = block.kind in ("item", "row")
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if listy and units:  # the unit above is this list's lead-in or an earlier item
            units[-1].lines.append(_line(block))
        elif listy:
            units.append(_Unit("", [_line(block)]))
        elif nxt is not None and nxt.kind in ("item", "row"):
            units.append(_Unit(block.text, []))  # a lead-in: its list follows
        else:
            units.append(_Unit("", [block.text]))
    return units


def _split_unit(unit: _Unit, budget: int, count: TokenCounter) -> list[str]:
    """Split an oversized unit: lists by items (repeating the lead-in), prose by sentences,
    and a single overlong sentence at word boundaries: no text is ever dropped."""
    if unit.lead and count(unit.lead) > budget // 2:
        # a lead-in too long to repeat before every part: it becomes prose of its own
        # (repeating it made the output grow with lead-in size x number of items)
        return _split_unit(_Unit("", [unit.lead]), budget, count) + _split_unit(
            _Unit("", unit.lines), budget, count
        )
    if unit.lead or len(unit.lines) > 1:
        pieces, prefix = unit.lines, unit.lead
    else:
        pieces, prefix = split_sentences(unit.lines[0]), ""
    sep = "\n" if unit.lead or len(unit.lines) > 1 else " "
    out: list[str] = []
    current: list[str] = []
    # word pieces never span a line break or a space, so a join counts as the sum of its
    # parts: each piece is counted once (recounting the growing candidate was slow on long
    # lists), and _wrap below checks every result against the budget anyway
    base = count(prefix) if prefix else 0
    used = base
    for piece in pieces:
        size = count(piece)
        if current and used + size > budget:
            out.append(sep.join(([prefix] if prefix else []) + current))
            current, used = [], base
        current.append(piece)
        used += size
    if current:
        out.append(sep.join(([prefix] if prefix else []) + current))
    return [piece for text in out for piece in _wrap(text, budget, count)]


def _wrap(text: str, budget: int, count: TokenCounter) -> list[str]:
    """Last resort for one sentence longer than the window: cut at word boundaries.

    Each piece is sized from the last one's tokens per word and shrunk in proportion until it
    fits: one or two counts per piece (a binary search over the rest of the text made this
    quadratic, and over a window still cost eight counts per piece)."""
    pieces: list[str] = []
    words = text.split(" ")
    start, guess = 0, max(budget, 1)  # every word is at least one token
    while start < len(words):
        n = min(len(words) - start, guess)
        size = count(" ".join(words[start : start + n]))
        while size > budget and n > 1:
            n = max(1, min(n - 1, n * budget // size))
            size = count(" ".join(words[start : start + n]))
        pieces.append(" ".join(words[start : start + n]))
        start += n
        guess = max(1, min(budget, n * budget // max(size, 1)))
    return pieces


def _pack(units: list[_Unit], budget: int, count: TokenCounter) -> list[str]:
    texts: list[str] = []
    current, used = "", 0
    for unit in units:
        text = unit.text()
        size = count(text)
        if size > budget:
            if current:
                texts.append(current)
                current, used = "", 0
            texts.extend(_split_unit(unit, budget, count))
            continue
        # word pieces never span a line break, so joined lines count as the sum of their parts
        # (counting each growing candidate again made chunking quadratic)
        if current and used + size > budget:
            texts.append(current)
            current, used = text, size
        else:
            current, used = (f"{current}\n{text}" if current else text), used + size
    if current:
        texts.append(current)
    return texts


def chunk_id(doc_id: str, section: str, text: str, occurrence: int = 0) -> str:
    raw = "\x1f".join((doc_id, section, text, str(occurrence)))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _merge_small_siblings(
    sections: list[tuple[str, list[str]]], budget_for: Callable[[str], int], count: TokenCounter
) -> list[tuple[str, str]]:
    """(section, text) chunks; runs of small sibling sections ("Summary > Pay", "Summary >
    Outlook") share one chunk under their parent, each introduced by a '## Heading' line."""
    out: list[tuple[str, str]] = []
    run: list[tuple[str, str]] = []  # (section, text) of small siblings waiting to be merged

    def parent(section: str) -> str:
        return section.rsplit(" > ", 1)[0] if " > " in section else ""

    def flush() -> None:
        if len(run) == 1:
            out.append(run[0])
        elif run:
            body = "\n".join(f"## {sec.rsplit(' > ', 1)[-1]}\n{text}" for sec, text in run)
            out.append((parent(run[0][0]), body))
        run.clear()

    for section, texts in sections:
        small = len(texts) == 1 and count(texts[0]) < budget_for(section) // 2 and " > " in section
        if not small:
            flush()
            out.extend((section, t) for t in texts)
            continue
        candidate = "\n".join(f"## {sec}\n{t}" for sec, t in [*run, (section, texts[0])])
        if run and (
            parent(run[0][0]) != parent(section) or count(candidate) > budget_for(parent(section))
        ):
            flush()
        run.append((section, texts[0]))
    flush()
    return out


def chunk_document(
    doc: Document, max_tokens: int = 200, count: TokenCounter = estimate_tokens
) -> list[Chunk]:
    """Split a document into chunks whose heading path plus text fit the model window."""

    @functools.cache
    def budget_for(section: str) -> int:
        path = f"{doc.title} > {section}" if section else doc.title
        return max(32, min(max_tokens, MODEL_WINDOW - 3 - count(path)))

    packed = [(s, _pack(_units(blocks), budget_for(s), count)) for s, blocks in _sections(doc)]
    # a section of fewer than three words is a stray label such as "PRINTER-FRIENDLY"; the
    # short tail of a split one is text, and is kept
    packed = [(s, texts) for s, texts in packed if sum(len(t.split()) for t in texts) >= 3]
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for section, text in _merge_small_siblings(packed, budget_for, count):
        key = chunk_id(doc.doc_id, section, text)
        seen[key] = seen.get(key, -1) + 1
        chunks.append(
            Chunk(
                chunk_id=chunk_id(doc.doc_id, section, text, seen[key]),
                doc_id=doc.doc_id,
                title=doc.title,
                section=section,
                text=text,
                position=len(chunks),
                url=doc.url,
                source=doc.source,
                published=doc.published,
            )
        )
    return chunks
