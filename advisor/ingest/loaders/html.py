"""HTML pages: metadata and, where the page has no semantic main area, main-content
extraction by trafilatura; otherwise the main area is walked into structured blocks.

Tabbed pages hide most tabs with `display: none`; those tabs are content, so they are kept,
while other hidden parts (tooltips, dialogs) are dropped.
"""

from __future__ import annotations

import contextlib
import html
import re
from pathlib import Path

import lxml.etree
import lxml.html

from advisor.ingest.loaders.common import (
    LoadError,
    doc_id_for,
    heading,
    item,
    paragraph,
    parse_date,
    safe_url,
    tidy,
)
from advisor.records import Block, Document
from advisor.text.textutil import clean_ws

_DROP_TAGS = (
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "button", "iframe", "svg", "select", "input", "textarea", "object", "embed", "canvas",
)  # fmt: skip
_DROP_XPATH = (
    "//*[@aria-hidden='true'] | //*[@hidden] | //*[@role='navigation'] | //*[@role='banner']"
    " | //*[@role='contentinfo'] | //*[contains(concat(' ', normalize-space(@class), ' '), ' noprint ')]"
    " | //*[contains(@class, 'breadcrumb')] | //*[contains(@class, 'sr-only')]"
)
_MAIN_XPATHS = (
    "//main",
    "//*[@role='main']",
    "//*[@id='main-content' or @id='content' or @id='main']",
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_TEXT_BLOCKS = {"p", "blockquote", "pre", "figcaption", "dt", "dd", "address"}
_INLINE = {
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark",
    "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr", "font", "img",
}  # fmt: skip
_MIN_MAIN_CHARS = 200
_MAX_TERM_CHARS = 80  # a bold term that leads a list entry is a name, not a sentence
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?])(?=\s|$)")


def _text(el: lxml.html.HtmlElement) -> str:
    return _SPACE_BEFORE_PUNCT.sub(r"\1", clean_ws(" ".join(el.itertext())))


def _link_density(el: lxml.html.HtmlElement) -> float:
    total = len(_text(el)) or 1
    linked = sum(len(_text(a)) for a in el.iter("a"))
    return linked / total


_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")


def _hidden(el: lxml.html.HtmlElement) -> bool:
    return bool(_HIDDEN.search(el.get("style") or ""))


def _kind_key(el: lxml.html.HtmlElement) -> str:
    if key := el.get("class"):
        return key
    key = el.get("id") or ""
    end = len(key)
    while end and key[end - 1].isdecimal():  # tab-12 -> tab- (a regex here was quadratic)
        end -= 1
    return key[:end]


def _visible_kinds(parent: lxml.html.HtmlElement) -> set[tuple[str, str]]:
    return {(c.tag, _kind_key(c)) for c in parent if isinstance(c.tag, str) and not _hidden(c)}


def _drop(el: lxml.html.HtmlElement) -> None:
    if el.getparent() is not None:
        el.drop_tree()


_SPACES = re.compile(r"\s+")


def _nonspace(text: str | None) -> int:
    """Characters that survive clean_ws as other than a single space."""
    return len(_SPACES.sub("", text)) if text else 0


def _text_sizes(root: lxml.html.HtmlElement) -> dict[lxml.html.HtmlElement, int]:
    """Characters other than whitespace in each element's text, in one pass over the tree."""
    sizes: dict[lxml.html.HtmlElement, int] = {}
    for el in reversed(list(root.iter())):  # children before their parents
        own = _nonspace(el.text) if isinstance(el.tag, str) else 0
        sizes[el] = own + sum(sizes[c] + _nonspace(c.tail) for c in el)
    return sizes


def _strip_boilerplate(root: lxml.html.HtmlElement) -> None:
    for el in list(root.iter(*_DROP_TAGS, lxml.etree.Comment)):
        _drop(el)
    sizes = _text_sizes(root)  # kept up to date as elements go, instead of re-reading texts
    for el in root.xpath(_DROP_XPATH):
        # a print-hidden control that holds all of its parent's text is a label: keep it
        parent = el.getparent()
        if parent is not None and sizes[parent] != sizes[el]:
            for up in el.iterancestors():
                sizes[up] -= sizes[el]
            _drop(el)
    visible: dict[lxml.html.HtmlElement, set[tuple[str, str]]] = {}
    for el in [e for e in root.iter() if isinstance(e.tag, str) and _hidden(e)]:
        parent = el.getparent()
        if parent is None:
            continue
        if parent not in visible:  # dropping hidden elements leaves the visible ones as they are
            visible[parent] = _visible_kinds(parent)
        key = _kind_key(el)
        if not key or (el.tag, key) not in visible[parent]:  # not a tab: a tooltip or dialog
            _drop(el)
    for lst in root.xpath("//ul | //ol"):  # menus: lists made only of links
        if lst.getparent() is not None and _link_density(lst) > 0.9 and len(_text(lst)) < 400:
            lst.drop_tree()


def _has_text(el: lxml.html.HtmlElement, chars: int) -> bool:
    """len(_text(el)) >= chars, reading no more of a large element than needed."""
    seen = 0
    for piece in el.itertext():
        seen += _nonspace(piece)
        if seen >= chars:  # the cleaned text is at least as long as its non-space characters
            return True
    return len(_text(el)) >= chars


def _main_area(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    for xpath in _MAIN_XPATHS:
        for el in root.xpath(xpath):
            if _has_text(el, _MIN_MAIN_CHARS):
                return el
    articles = root.xpath("//article")
    if len(articles) == 1 and _has_text(articles[0], _MIN_MAIN_CHARS):
        return articles[0]
    return None


class _Walker:
    """Turns an element tree into Blocks in reading order."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.inline: list[str] = []
        self.terms_end = -1  # len(blocks) just after a list entry led by a bold term

    def flush(self) -> None:
        # whitespace collapsed first: the pattern is quadratic on long runs of page indentation
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", clean_ws("".join(self.inline)))
        if block := paragraph(text):
            self.blocks.append(block)
        self.inline.clear()

    def walk(self, el: lxml.html.HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _HEADINGS:
            self.flush()
            if text := _text(el):
                self.blocks.append(heading(text, _HEADINGS[tag]))
        elif tag in _TEXT_BLOCKS:
            self.flush()
            text = _text(el)
            term = self._in_term_list(el)
            if block := item(text) if term else paragraph(text):
                self.blocks.append(block)
                self.terms_end = len(self.blocks) if term else -1
        elif tag in ("ul", "ol"):
            self.flush()
            self.walk_list(el)
        elif tag == "table":
            self.flush()
            self.walk_table(el)
        else:
            if el.text:
                self.inline.append(el.text)
            for child in el:
                ctag = child.tag if isinstance(child.tag, str) else ""
                if ctag in _INLINE:
                    self.inline.append("".join(child.itertext()))
                elif ctag:
                    self.walk(child)
                if child.tail:
                    self.inline.append(child.tail)
            if tag in ("div", "section", "article", "li", "td", "body", "main"):
                self.flush()

    def _in_term_list(self, el: lxml.html.HtmlElement) -> bool:
        """A paragraph led by a bold term ("<strong>Geologists</strong> study ...") in a run
        after a paragraph that ends with a colon ("The following are examples of types of
        geoscientists:") is an entry of a list written as paragraphs."""
        last = self.blocks[-1] if self.blocks else None
        if last is None or not (
            (last.kind == "paragraph" and last.text.endswith(":"))
            or self.terms_end == len(self.blocks)
        ):
            return False
        first = next((c for c in el if isinstance(c.tag, str)), None)
        return (
            first is not None
            and first.tag in ("strong", "b")
            and not (el.text or "").strip()
            and 0 < len(_text(first)) <= _MAX_TERM_CHARS
        )

    def walk_list(self, lst: lxml.html.HtmlElement) -> None:
        for li in lst.iterchildren("li"):
            nested = [c for c in li if isinstance(c.tag, str) and c.tag in ("ul", "ol")]
            for c in nested:
                li.remove(c)
            if block := item(_text(li)):
                self.blocks.append(block)
            for c in nested:
                self.walk_list(c)

    def walk_table(self, table: lxml.html.HtmlElement) -> None:
        rows = [r for r in table.iter("tr")]
        caption = table.find("caption")
        if caption is not None and (block := paragraph(_text(caption))):
            self.blocks.append(block)
        header: list[str] | None = None
        for tr in rows:
            cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("th", "td")]
            texts = [_text(c) for c in cells]
            if not any(texts):
                continue
            if all(c.tag == "th" for c in cells):
                if len(cells) == 1 or header is not None:
                    if block := paragraph(texts[0] if len(cells) == 1 else " | ".join(texts)):
                        self.blocks.append(block)
                else:
                    header = texts
                continue
            if header and len(header) == len(texts):
                text = "; ".join(
                    f"{h}: {t}" if h else t for h, t in zip(header, texts, strict=True) if t
                )
            elif cells[0].tag == "th" and len(cells) >= 2:
                text = f"{texts[0]}: " + " ".join(t for t in texts[1:] if t)
            else:
                text = " | ".join(t for t in texts if t)
            self.blocks.append(Block("row", tidy(text)))


def _meta(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """Title, url, date and site name by trafilatura's own extractors, called one by one:
    its extract_metadata() also hunts authors, tags and licences, which is most of the cost."""
    from htmldate import find_date
    from trafilatura import metadata as tm
    from trafilatura.settings import set_date_params

    md = tm.examine_meta(tree)
    with contextlib.suppress(Exception):  # trafilatura's JSON-LD reader fails on odd pages
        md = tm.extract_meta_json(tree, md)
    title = md.title or tm.extract_title(tree) or ""
    if not title and (t := tree.find(".//title")) is not None:
        title = clean_ws(t.text_content()).split(" | ")[0].split(" : ")[0]
    url = md.url or tm.extract_url(tree) or ""
    date = find_date(tree, **{**set_date_params(True), "url": url or None})
    site = md.sitename or tm.extract_sitename(tree) or ""
    if not site and url:
        site = tm.extract_domain(url, fast=True) or ""
    return {  # JSON-LD values can arrive HTML-escaped
        "title": clean_ws(html.unescape(title)),
        "url": url,
        "published": parse_date(date or ""),
        "source": clean_ws(html.unescape(site)).lstrip("@"),
    }


def _trafilatura_blocks(data: bytes) -> list[Block]:
    import trafilatura

    from advisor.ingest.loaders.markdown import parse_blocks

    text = trafilatura.extract(
        data,
        output_format="markdown",
        include_tables=True,
        include_formatting=True,
        favor_recall=True,
    )
    return parse_blocks(text or "")


def parse(data: bytes) -> tuple[dict[str, str], list[Block]]:
    try:
        tree = lxml.html.fromstring(data)
    except (lxml.etree.ParserError, ValueError) as err:
        raise LoadError(f"not parseable as HTML: {err}") from err
    meta = _meta(tree)
    _strip_boilerplate(tree)
    main = _main_area(tree)
    if main is None:
        blocks = _trafilatura_blocks(lxml.html.tostring(tree))
    else:
        walker = _Walker()
        walker.walk(main)
        walker.flush()
        blocks = walker.blocks
    h1 = next((i for i, b in enumerate(blocks) if b.kind == "heading" and b.level == 1), None)
    if h1 is not None and h1 < len(blocks) // 4:  # what precedes the page's H1 is chrome
        meta["title"] = meta["title"] or blocks[h1].text
        blocks = blocks[h1 + 1 :]
    return meta, blocks


def load(path: Path, data: bytes) -> Document:
    if b"\x00" in data[:4096] and not data.lstrip().startswith(b"<"):
        raise LoadError("binary file (contains NUL bytes)")
    meta, blocks = parse(data)
    if sum(len(b.text.split()) for b in blocks if b.kind != "heading") < 10:
        raise LoadError("no article text found (navigation or scripts only)")
    return Document(
        doc_id=doc_id_for(path),
        title=meta["title"] or path.stem.replace("-", " ").title(),
        blocks=tuple(blocks),
        path=str(path),
        url=safe_url(meta["url"]),
        source=meta["source"],
        published=meta["published"],
    )
