"""Answers, citations and status as HTML for the chat. Everything from a source or a user is
escaped here; the only markup on the page is the markup these functions write themselves."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from advisor.records import CITATION_MARKER, Answer, Citation, Offer, Passage, Table

# A citation marker. Matched without the whitespace before it (which is trimmed by hand): a
# leading \s* is retried at every space of a long run, quadratic in the run's length. Four
# digits at most, so int() never meets a 5,000-digit number (Python refuses to parse those).
REL = "noopener noreferrer nofollow"  # external links: no opener, no referrer, no endorsement
QUOTE_JOIN = " … "  # how Citation.quote joins the pieces it used
USER_SHOWN_CHARS = 600  # a longer question is clipped in its bubble (the advisor sees all of it)


def esc(text: object) -> str:
    return html.escape(str(text or ""), quote=True)


def safe_url(url: str) -> str:
    """The url when it is a plain http(s) link, else "" (no javascript:, data:, relative...)."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    if any(c in url for c in "\"'<> \n\t\\"):
        return ""
    return url


def anchor(turn: int, n: int) -> str:
    return f"src-{int(turn)}-{int(n)}"


def _marker(n: int, turn: int | None, known: set[int]) -> str:
    """A superscript reference; a link to the source entry once citations are known."""
    if turn is None or n not in known:
        return f'<sup class="ca-ref">[{n}]</sup>'
    link = f'<a href="#{anchor(turn, n)}" title="Source {n}">[{n}]</a>'
    return f'<sup class="ca-ref">{link}</sup>'


def _markers(escaped_line: str, turn: int | None, known: set[int]) -> str:
    """[n] in a text-only answer (an LLM's, while it streams) -> references."""
    out, at = [], 0
    for m in CITATION_MARKER.finditer(escaped_line):
        out += [escaped_line[at : m.start()].rstrip(), _marker(int(m.group(1)), turn, known)]
        at = m.end()
    return "".join(out) + escaped_line[at:]


def render_passages(passages: Iterable[Passage], turn: int | None, numbers: Iterable[int]) -> str:
    """An answer's passages as paragraphs and lists. Quoted words are only ever text: a "[1]"
    written in a source stays text; references come from each quote's citation."""
    known = set(numbers)
    return _blocks(
        (
            p.kind == "item",
            " ".join(
                esc(q.text) + (_marker(q.cite, turn, known) if q.cite else "") for q in p.quotes
            ),
        )
        for p in passages
    )


def _blocks(lines: Iterable[tuple[bool, str]]) -> str:
    """(is an item, html) lines as paragraphs, consecutive items as one list."""
    out: list[str] = []
    items: list[str] = []
    for item, body in lines:
        if item:
            items.append(f"<li>{body}</li>")
            continue
        if items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items = []
        out.append(f"<p>{body}</p>")
    if items:
        out.append("<ul>" + "".join(items) + "</ul>")
    return "".join(out)


def cell_lines(lines: Iterable[str]) -> str:
    """A table value's lines (two figures of one cell stay apart), escaped."""
    return "<br>".join(esc(line) for line in lines)


def render_table(table: Table, turn: int | None, numbers: Iterable[int]) -> str:
    """A side-by-side table: a column per subject, a row per fact, each value cited."""
    known = set(numbers)
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in table.columns)
    rows = []
    for label, cells in table.rows:
        tds = "".join(
            f"<td>{cell_lines(c.lines or (c.text,))}{_marker(c.cite, turn, known)}</td>"
            if c.cite
            else f'<td class="ca-missing">{esc(c.text)}</td>'
            for c in cells
        )
        rows.append(f'<tr><th scope="row">{esc(label)}</th>{tds}</tr>')
    note = f'<p class="ca-meta">{esc(table.note)}</p>' if table.note else ""
    return (
        f"<p>{esc(table.caption)}</p>"
        f'<div class="ca-compare"><table><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>{note}"
    )


def render_text(text: str, turn: int | None = None, numbers: Iterable[int] = ()) -> str:
    """Answer text (plain lines, "- " items, [n] markers) as paragraphs and lists."""
    known = set(numbers)
    lines = (line.strip() for line in (text or "").splitlines())
    return _blocks(
        (True, _markers(esc(line[2:]), turn, known))
        if line.startswith("- ")
        else (False, _markers(esc(line), turn, known))
        for line in lines
        if line
    )


def _quote_spans(snippet: str, quote: str) -> list[tuple[int, int]]:
    """Where the quoted pieces sit in the snippet, merged; a piece cut off by the snippet's
    trailing ellipsis is marked up to the cut."""
    spans: list[tuple[int, int]] = []
    stem = snippet.rstrip("…")
    for piece in (p.strip() for p in (quote or "").split(QUOTE_JOIN)):
        if not piece:
            continue
        start = snippet.find(piece)
        if start >= 0:
            spans.append((start, start + len(piece)))
            continue
        head = snippet.find(piece[:40])
        if head >= 0 and piece.startswith(stem[head:]):
            spans.append((head, len(stem)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(snippet: str, quote: str) -> str:
    """The snippet, escaped, with the sentences the answer used inside <mark>."""
    out, at = [], 0
    for start, end in _quote_spans(snippet or "", quote):
        out.append(esc(snippet[at:start]) + "<mark>" + esc(snippet[start:end]) + "</mark>")
        at = end
    return "".join(out) + esc((snippet or "")[at:])


def render_citation(turn: int, c: Citation) -> str:
    url = safe_url(c.url)
    title = esc(c.title or c.doc_id or "Untitled source")
    if url:
        title = f'<a href="{esc(url)}" target="_blank" rel="{REL}">{title}</a>'
    path = esc(c.section.replace(" > ", " › "))
    section = f' <span class="ca-section">› {path}</span>' if c.section else ""
    meta = " · ".join(esc(p) for p in (c.source, c.published and f"published {c.published}") if p)
    meta_html = f'<div class="ca-meta">{meta}</div>' if meta else ""
    support = ""
    if c.snippet:
        support = (
            '<details class="ca-support"><summary>Supporting text</summary>'
            f"<blockquote>{highlight(c.snippet, c.quote)}</blockquote></details>"
        )
    return (
        f'<li id="{anchor(turn, c.n)}" value="{int(c.n)}"><span class="ca-title">{title}</span>'
        f"{section}{meta_html}{support}</li>"
    )


def render_sources(turn: int, citations: Iterable[Citation]) -> str:
    items = "".join(render_citation(turn, c) for c in citations)
    if not items:
        return ""
    return f'<div class="ca-sources"><div class="ca-sources-h">Sources</div><ol>{items}</ol></div>'


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", (text or "").lower()))


def _rewritten(question: str, asked: str) -> bool:
    """The question answered reads differently from the one asked ("tell me more about the
    second one" -> "Tell me more about the Certified ScrumMaster"). The asked words followed
    by words carried from earlier turns ("... (nvm cousin respiratory therapy)") are not shown:
    they read like debug output, not like a question a person would write.

    >>> _rewritten("who do they report to? (engineering director)", "who do they report to?")
    False
    >>> _rewritten("Tell me about the CSM", "tell me about the second one")
    True
    """
    if not question or not asked:
        return False
    return not _norm(question).startswith(_norm(asked))


def render_offer(offer: Offer, buttons: bool) -> str:
    """A refusal's offered topics: the lead, above the topics' buttons (the page draws them
    under the message), or with the topics listed when the answer is no longer the latest."""
    if buttons:
        return f'<p class="ca-offer">{esc(offer.lead)}</p>'
    items = "".join(f"<li>{esc(t.title)}</li>" for t in offer.topics)
    return f'<p class="ca-offer">{esc(offer.lead)}</p><ul class="ca-topics">{items}</ul>'


# words carried from earlier turns, in brackets after the question mark: "what about
# meteorologists? (make)"
_CARRIED_TAIL = re.compile(r"(\?)\s*\([^()]*\)\s*$")


def shown_question(question: str) -> str:
    """The question answered as a person would write it: without the words carried from
    earlier turns after its question mark.

    >>> shown_question("what about meteorologists? (make)")
    'what about meteorologists?'
    >>> shown_question("Tell me more about the Certified ScrumMaster (CSM)")
    'Tell me more about the Certified ScrumMaster (CSM)'
    """
    return _CARRIED_TAIL.sub(r"\1", question)


def render_answer(turn: int, answer: Answer, asked: str = "", buttons: bool = False) -> str:
    """A finished answer: how a follow-up was understood, the text with linked markers, a
    refusal's offered topics (their buttons shown by the page when `buttons`), then its
    sources."""
    cls = "ca-answer ca-refused" if answer.refused else "ca-answer"
    resolved = ""
    if _rewritten(answer.question, asked) and not answer.refused:
        resolved = (
            f'<div class="ca-resolved">Answering: {esc(shown_question(answer.question))}</div>'
        )
    numbers = [c.n for c in answer.citations]
    if answer.table is not None:
        body = render_table(answer.table, turn, numbers)
    elif answer.passages:
        body = render_passages(answer.passages, turn, numbers)
    else:  # an LLM's answer, or one a client saved as text
        body = render_text(answer.text, turn, numbers)
    if answer.offer is not None and answer.table is None and answer.passages:
        body += render_offer(answer.offer, buttons)
    return f'<div class="{cls}">{resolved}{body}{render_sources(turn, answer.citations)}</div>'


def render_partial(text: str, status: str = "") -> str:
    """What is shown while an answer streams in: the words so far, or the current status."""
    if not text.strip():
        note = esc(status or "Thinking…")
        return f'<div class="ca-answer ca-pending"><p><em>{note}</em></p></div>'
    return f'<div class="ca-answer ca-pending">{render_text(text)}</div>'


def clip(text: str, limit: int = USER_SHOWN_CHARS) -> str:
    text = text or ""
    return text if len(text) <= limit else text[:limit].rstrip() + f"… ({len(text):,} characters)"


def render_user(text: str) -> str:
    """A user's message: shown verbatim as text, never as markup."""
    return f'<div class="ca-user">{esc(clip(text)).replace(chr(10), "<br>")}</div>'


def render_message(message: str) -> str:
    """A plain notice from the app itself (errors, next steps) in an answer bubble."""
    return f'<div class="ca-answer ca-notice"><p>{esc(message)}</p></div>'


def render_status(status: Mapping[str, object] | None, problem: str = "", note: str = "") -> str:
    """The line above the chat: which corpus and which answer backend are live, or what to do."""
    if problem:
        return f'<div class="ca-status ca-status-problem">{esc(problem)}</div>'
    if note and not status:
        return f'<div class="ca-status">{esc(note)}</div>'
    status = status or {}
    docs, chunks = status.get("documents", 0), status.get("chunks", 0)
    backend = esc(status.get("backend", ""))
    running = f" · {esc(note)}" if note else ""  # an index update going on meanwhile
    return (
        f'<div class="ca-status">Library: <b>{esc(docs)}</b> articles, {esc(chunks)} passages'
        f" · Answers: {backend}{running}</div>"
    )
