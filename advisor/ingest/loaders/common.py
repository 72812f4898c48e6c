"""Helpers every loader shares: decoding, dates, doc ids, block building."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from advisor.records import Block
from advisor.text.textutil import clean_ws


class LoadError(Exception):
    """A file that cannot be loaded; the message says why, for the user."""


def decode_text(data: bytes) -> str:
    """Decode UTF-8 text (BOM tolerated); reject binary and other encodings clearly."""
    if b"\x00" in data[:8192]:
        raise LoadError("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise LoadError(f"not valid UTF-8 (byte {err.start}); save it as UTF-8") from err
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 8:
        raise LoadError("looks binary (control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def safe_url(value: object) -> str:
    """Only http(s) links survive loading: a source cannot smuggle javascript: or data: URLs."""
    text = clean_ws(str(value or ""))
    return text if re.match(r"https?://[^\s\"'<>]+$", text, re.IGNORECASE) else ""


def doc_id_for(path: Path) -> str:
    return path.stem


_DATE_FORMATS = (
    "%Y-%m-%d",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%Y/%m/%d",
    "%m/%d/%Y",
)


def parse_date(value: object) -> str:
    """Return an ISO date (YYYY-MM-DD) for common date spellings, or the cleaned input."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    text = clean_ws(str(value))
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    match = re.search(r"\d{4}-\d{2}-\d{2}", text)
    return match.group(0) if match else text


_PERCENT = re.compile(r"(\d)\s?percent\b")


def tidy(text: str) -> str:
    """One spelling per figure across sources ("5 percent" -> "5%"), whitespace collapsed."""
    return _PERCENT.sub(r"\1%", clean_ws(text))


def heading(text: str, level: int) -> Block:
    return Block("heading", clean_ws(text), level)


def paragraph(text: str) -> Block | None:
    text = tidy(text)
    return Block("paragraph", text) if text else None


def item(text: str) -> Block | None:
    text = tidy(text)
    return Block("item", text) if text else None
