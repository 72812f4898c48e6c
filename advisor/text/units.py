"""Quotable units of a chunk (sentences, list lead-ins, list items, table rows), parsed once
from the chunk's lines into typed records that ingest (unit vectors) and answering share.

>>> [(u.kind, u.text) for u in parse_units("Pay varies:\\n- By region\\n- By industry")]
[('lead', 'Pay varies:'), ('item', 'By region'), ('item', 'By industry')]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from advisor.text.textutil import split_sentences

UnitKind = Literal["sentence", "lead", "item", "row"]
LIST_MARKERS = ("- ", "| ")


@dataclass(frozen=True, kw_only=True)
class Unit:
    """One quotable piece of a chunk's text, with where it sits."""

    text: str
    kind: UnitKind
    group: int  # a lead-in and its items share a group; so do the sentences of one paragraph
    order: int  # position among the chunk's units
    heading: str = ""  # a '## Heading' inside the chunk (merged small sections) above the unit
    start: int = 0  # character span of the unit inside the chunk text
    end: int = 0

    @property
    def listed(self) -> bool:
        return self.kind in ("item", "row")


@lru_cache(maxsize=16384)
def parse_units(text: str) -> tuple[Unit, ...]:
    """Split a chunk's text into units; cached, as hot chunks recur across questions."""
    out: list[Unit] = []
    group, heading, cursor = 0, "", 0
    lines = [line.strip() for line in text.split("\n") if line.strip()]

    def add(piece: str, kind: UnitKind) -> None:
        nonlocal cursor
        start = text.find(piece, cursor)
        start = cursor if start < 0 else start  # whitespace was collapsed: keep the order
        end = start + len(piece)
        cursor = max(cursor, end)
        out.append(
            Unit(
                text=piece, kind=kind, group=group, order=len(out), heading=heading,
                start=start, end=min(end, len(text)),
            )
        )  # fmt: skip

    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.startswith("## "):
            heading = line[3:]
            group += 1
        elif line.startswith(LIST_MARKERS):
            add(line[2:], "item" if line[0] == "-" else "row")
            if not nxt.startswith(line[:2]):
                group += 1
        elif nxt.startswith(LIST_MARKERS):
            add(line, "lead")
        else:
            for sentence in split_sentences(line):
                add(sentence, "sentence")
            group += 1
    return tuple(out)
