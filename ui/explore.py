"""The Explore tab: the library grouped by topic with a filter, an article's sections (picking one
asks about it in the chat), related careers, and careers compared side by side. It renders the
core's records (advisor/library/catalog.py) as escaped HTML; nothing here decides what is related."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

import gradio as gr

from advisor.index.generations import IndexMissing
from advisor.library.catalog import MAX_COMPARE, MIN_COMPARE, MISSING, Article, Comparison, Library
from advisor.records import Citation
from advisor.text.terms import stems

from . import render
from .chat import Chat

log = logging.getLogger("advisor.ui")

ADD_CAREERS = "career-advisor library add ooh"  # downloads the BLS career pages into the library
CAREERS_HINT = "No career pages with facts tables to compare yet. Add them with: "
STATUS_HINT = "No career pages yet: "
UPDATING_NOTE = "The library is being updated: careers to compare appear once it is done."
COMPARE_HELP = (
    f"Pick {MIN_COMPARE} to {MAX_COMPARE} careers here, or open one above and press "
    '"Add to comparison". Each figure links to the page it comes from.'
)
FILTER_HINT = "Filter by title or section words"
OPEN_ALL = 40  # a library this small (or a filtered list) shows every group opened
LIST_HEIGHT = 640  # px; the list scrolls inside the tab rather than pushing the compare view down
# Clicks on [data-pick] elements become the component's `select` event, value = data-pick.
PICK_JS = """
element.addEventListener('click', (event) => {
  const el = event.target.closest('[data-pick]');
  if (!el || !element.contains(el)) return;
  event.preventDefault();
  trigger('select', {index: 0, value: el.dataset.pick});
});
"""
CSS = """
.ca-lib-summary { font-size: .9em; opacity: .8; margin: 0 0 .4em 0; }
.ca-group summary { cursor: pointer; font-weight: 600; padding: 2px 0; }
.ca-group ul { list-style: none; margin: 0 0 .4em .6em; padding: 0; }
.ca-count { font-weight: 400; opacity: .7; margin-left: .3em; }
.ca-pick { display: block; width: 100%; text-align: left; background: none; border: 0;
  padding: 2px 4px; border-radius: 4px; cursor: pointer; color: inherit; font: inherit; }
.ca-pick:hover, .ca-pick:focus { background: var(--color-accent-soft); }
.ca-pick.ca-current { font-weight: 600; background: var(--color-accent-soft); }
.ca-sections-list { display: flex; flex-wrap: wrap; gap: 4px; }
.ca-sections-list .ca-pick { width: auto; border: 1px solid var(--border-color-primary); }
.ca-related h4, .ca-article h3 { margin: .4em 0 .2em 0; }
.ca-related ul { margin: 0 0 .4em 1.2em; padding: 0; }
.ca-related .ca-pick { display: inline; width: auto; padding: 0 2px;
  color: var(--link-text-color, #2563eb); text-decoration: underline; }
.ca-compare table { border-collapse: collapse; width: 100%; font-size: .92em; }
.ca-compare th, .ca-compare td { border: 1px solid var(--border-color-primary);
  padding: 4px 6px; vertical-align: top; text-align: left; }
.ca-compare td.ca-missing { font-style: italic; opacity: .65; }
.ca-hint code { font-size: .95em; padding: 0 3px; border-radius: 3px; white-space: nowrap;
  background: var(--background-fill-secondary); user-select: all; }
"""


def esc(text: object) -> str:
    return render.esc(text)


def _pick(value: str, label: str, current: bool = False) -> str:
    cls = "ca-pick ca-current" if current else "ca-pick"
    return f'<button type="button" class="{cls}" data-pick="{esc(value)}">{esc(label)}</button>'


# -- rendering -----------------------------------------------------------------------------------
def render_careers_hint(lead: str = CAREERS_HINT) -> str:
    """How to add the career library, for a library with nothing to compare."""
    return f'<span class="ca-hint">{esc(lead)}<code>{esc(ADD_CAREERS)}</code></span>'


def render_listing(
    library: Library, query: str = "", current: str = "", updating: bool = False
) -> str:
    """The grouped article list (with group sizes), narrowed by the filter; how to add career
    pages when it has none, unless an update (perhaps adding them) is `updating` it."""
    listing = library.filter(query)
    if query.strip():
        summary = f"{listing.matched} of {listing.total} articles match"
    else:
        summary = f"{library.size} articles in {len(library.groups)} groups"
    opened = bool(query.strip()) or library.size <= OPEN_ALL
    # data-query says which keystroke this list answers (tests and benchmarks wait on it)
    parts = [f'<p class="ca-lib-summary" data-query="{esc(query)}">{esc(summary)}</p>']
    if not library.comparable() and not updating:
        parts.append(f'<p class="ca-meta">{render_careers_hint()}</p>')
    if not listing.groups:
        parts.append('<p class="ca-meta">No article has those words in its title or sections.</p>')
    for group in listing.groups:
        items = "".join(
            f"<li>{_pick(d, library.articles[d].title, d == current)}</li>" for d in group.doc_ids
        )
        attrs = " open" if opened or current in group.doc_ids else ""
        parts.append(
            f'<details class="ca-group" data-group="{esc(group.name)}"{attrs}>'
            f"<summary>{esc(group.name)}"
            f'<span class="ca-count">{group.size}</span></summary><ul>{items}</ul></details>'
        )
    return "".join(parts)


def render_article(article: Article | None) -> str:
    if article is None:
        return '<div class="ca-article"><p>Pick an article on the left.</p></div>'
    url = render.safe_url(article.url)
    title = esc(article.title)
    if url:
        title = f'<a href="{esc(url)}" target="_blank" rel="{render.REL}">{title}</a>'
    facts = " · has a facts table to compare" if article.has_facts else ""
    return (
        f'<div class="ca-article"><h3>{title}</h3>'
        f'<div class="ca-meta">{esc(article.group)}{esc(facts)}</div></div>'
    )


def render_sections(article: Article | None) -> str:
    if article is None or not article.sections:
        return ""
    buttons = "".join(_pick(s, s.replace(" > ", " › ")) for s in article.sections)
    return (
        '<div class="ca-meta">Click a section to ask about it in the chat:</div>'
        f'<div class="ca-sections-list">{buttons}</div>'
    )


def render_related(library: Library, doc_id: str) -> str:
    if doc_id not in library.articles:
        return ""
    related = library.related(doc_id)

    def entry(title: str, target: str) -> str:
        return f"<li>{_pick(target, title) if target else esc(title)}</li>"

    parts = ['<div class="ca-related">']
    if related.similar:
        items = "".join(entry(r.title, r.doc_id) for r in related.similar)
        parts.append(f"<h4>Similar occupations (from this article)</h4><ul>{items}</ul>")
    if related.nearest:
        items = "".join(entry(r.title, r.doc_id) for r in related.nearest)
        parts.append(f"<h4>Nearest in meaning</h4><ul>{items}</ul>")
    return "".join(parts) + "</div>" if len(parts) > 1 else ""


def cell_anchor(n: int) -> str:
    return f"cmp-src-{int(n)}"


def _source(c: Citation) -> str:
    url = render.safe_url(c.url)
    title = esc(c.title or c.doc_id)
    if url:
        title = f'<a href="{esc(url)}" target="_blank" rel="{render.REL}">{title}</a>'
    section = esc(c.section.replace(" > ", " › "))
    return (
        f'<li id="{cell_anchor(c.n)}" value="{int(c.n)}" data-doc="{esc(c.doc_id)}" '
        f'data-section="{esc(c.section)}"><span class="ca-title">{title}</span>'
        f' <span class="ca-section">› {section}</span></li>'
    )


def render_comparison(comparison: Comparison | None, note: str = "", empty: bool = False) -> str:
    """Rows x careers; each cell's [n] links to its source entry (page and section) below.
    Without a comparison: the note, or how to add careers when the library has none (`empty`)."""
    if comparison is None:
        text = render_careers_hint() if empty and not note else esc(note)
        return f'<div class="ca-compare"><p class="ca-meta">{text}</p></div>' if text else ""
    sources = {c.n: c for c in comparison.citations}
    head = "".join(f'<th scope="col">{esc(a.title)}</th>' for a in comparison.articles)
    rows = []
    for row in comparison.rows:
        cells = []
        for cell in row.cells:
            data = f'data-doc="{esc(cell.doc_id)}" data-section="{esc(cell.section)}"'
            if cell.missing:
                cells.append(f'<td class="ca-missing" {data}>{esc(MISSING)}</td>')
                continue
            src = sources[cell.n]
            where = f"{src.title} › {src.section}"
            link = f'<a href="#{cell_anchor(cell.n)}" title="{esc(where)}">[{cell.n}]</a>'
            value = render.cell_lines(cell.lines or (cell.value or "",))
            cells.append(f'<td {data}>{value}<sup class="ca-ref">{link}</sup></td>')
        rows.append(f'<tr><th scope="row">{esc(row.label)}</th>{"".join(cells)}</tr>')
    if not comparison.rows:
        rows.append(f'<tr><td colspan="{len(comparison.articles) + 1}">{esc(MISSING)}</td></tr>')
    items = "".join(_source(c) for c in comparison.citations)
    return (
        f'<div class="ca-compare"><table><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<div class="ca-sources"><div class="ca-sources-h">Sources</div><ol>{items}</ol></div></div>'
    )


def section_question(article: Article, section: str) -> str:
    """What picking a section asks. Many articles share headings ("Pay", "Duties"), so the
    article's title joins the heading unless the heading already names it."""
    heading = section.split(" > ")[-1]
    if set(stems(article.title)) & set(stems(heading)):
        return f"Tell me about {heading}"
    return f"Tell me about {heading} for {article.title}"


# -- the tab ---------------------------------------------------------------------------------
class ExploreTab:
    """Widgets and handlers of the Explore tab over one Advisor (per-user data only arrives as
    handler arguments: the picked article lives in a gr.State)."""

    def __init__(self, advisor, chat: Chat) -> None:
        self.advisor = advisor
        self.chat = chat

    def library(self) -> Library | None:
        try:
            return self.advisor.library()
        except IndexMissing:  # none yet (maybe being built): the status line says so
            return None
        except Exception:  # a broken index: the status line says so, the log says why
            log.warning("no library", exc_info=True)
            return None

    def render(self) -> None:
        """Create the widgets; call inside the tab's `with` block."""
        with gr.Row():
            with gr.Column(scale=2, min_width=280):
                self.filter = gr.Textbox(
                    placeholder=FILTER_HINT,  # its example comes with the library (load)
                    show_label=False,
                    label="Filter",
                    elem_id="ca-filter",
                    max_length=200,
                )
                self.listing = gr.HTML(
                    elem_id="ca-library", js_on_load=PICK_JS, max_height=LIST_HEIGHT
                )
            with gr.Column(scale=3):
                self.current = gr.State("", time_to_live=self.chat.settings.session_ttl)
                self.article = gr.HTML(render_article(None), elem_id="ca-article")
                self.add = gr.Button(
                    "Add to comparison", size="sm", visible=False, elem_id="ca-add-compare"
                )
                self.sections = gr.HTML(elem_id="ca-sections", js_on_load=PICK_JS)
                self.related = gr.HTML(elem_id="ca-related", js_on_load=PICK_JS)
        gr.Markdown("### Compare careers")
        self.picked = gr.Dropdown(
            choices=[],
            value=[],
            multiselect=True,
            max_choices=MAX_COMPARE,
            label=f"Careers with a facts table ({MIN_COMPARE} to {MAX_COMPARE})",
            info=COMPARE_HELP,
            elem_id="ca-compare-pick",
        )
        self.comparison = gr.HTML(render_comparison(None), elem_id="ca-compare")  # see load

    def wire(self, tabs, saved, chat_outputs: Sequence, answering: dict, page: dict) -> None:
        """Events; `chat_outputs` are the chat's respond() outputs, `answering` its queue options,
        `page` the queue options of the page's light events (every event is queued)."""
        quick = {**page, "show_progress": "hidden"}
        self.filter.change(
            self.filtered,
            [self.filter, self.current],
            self.listing,
            trigger_mode="always_last",
            **quick,
        )
        shown = [self.current, self.article, self.add, self.sections, self.related, self.listing]
        self.listing.select(self.pick, [self.filter], shown, **quick)
        self.related.select(self.pick, [self.filter], shown, **quick)
        self.sections.select(
            self.ask_section, [self.current, saved], [tabs, *chat_outputs], **answering
        )
        self.add.click(self.add_current, [self.current, self.picked], self.picked, **quick)
        self.picked.change(self.compare, [self.picked], self.comparison, **quick)

    @property
    def load_outputs(self) -> list:
        return [self.listing, self.picked, self.filter, self.comparison]

    # -- handlers ------------------------------------------------------------------------
    def load(self, query: str = "") -> tuple:
        """Page load: the list (narrowed by a filter already typed), the careers that can be
        compared (or how to add some, unless an update is adding them) and the filter's
        example, a word of the library's own titles. The library is built once per index
        generation."""
        library = self.library()
        if library is None:
            return ("", gr.Dropdown(choices=[], value=[]), gr.skip(), gr.skip())
        choices = [(a.title, a.doc_id) for a in library.comparable()]
        example = library.filter_example()
        hint = f"{FILTER_HINT}, e.g. {example}" if example else FILTER_HINT
        updating = self.updating()
        note = UPDATING_NOTE if updating and not choices else ""
        return (
            render_listing(library, query or "", updating=updating),
            gr.Dropdown(choices=choices, interactive=bool(choices)),
            gr.Textbox(placeholder=hint),
            render_comparison(None, note, empty=not choices),
        )

    def updating(self) -> bool:
        """An index update (a first build, a library being added) runs in another process."""
        return bool(self.advisor.activity())

    def status_html(self) -> str:
        """The status line with the library's size and groups (the chat's own when the
        library cannot be opened)."""
        library = self.library()
        try:
            status = self.advisor.status()
        except Exception:
            return self.chat.status_html()
        if library is None or not status.get("chunks"):
            return self.chat.status_html()
        activity = self.advisor.activity()
        running = f" · {esc(activity)}" if activity else ""  # an index update going on
        # how to add careers, unless some are there or an update (perhaps adding them) runs
        careers = ""
        if not library.comparable() and not activity:
            careers = f" · {render_careers_hint(STATUS_HINT)}"
        return (
            f'<div class="ca-status">Library: <b>{library.size}</b> articles in '
            f"<b>{len(library.groups)}</b> groups, {esc(status.get('chunks'))} passages"
            f" · Answers: {esc(status.get('backend', ''))}{running}{careers}</div>"
        )

    def progress(self, query: str = "") -> tuple:
        """The status line while an index is being built, whether to keep watching, and once
        it is done, the Explore list (narrowed by the filter typed meanwhile) and Compare's
        careers as `load` gives them."""
        if self.chat.indexing():
            return (self.status_html(), gr.Timer(active=True), *[gr.skip()] * 4)
        return (self.status_html(), gr.Timer(active=False), *self.load(query))

    def filtered(self, query: str, current: str) -> str:
        library = self.library()
        if library is None:
            return ""
        return render_listing(library, query or "", current or "", self.updating())

    def pick(self, query: str, evt: gr.SelectData) -> tuple:
        """An article picked in the list or among related careers: show it."""
        library = self.library()
        doc_id = evt.value if isinstance(evt.value, str) else ""
        article = library.article(doc_id) if library else None
        if library is None or article is None:
            return (gr.skip(),) * 6
        return (
            doc_id,
            render_article(article),
            gr.Button(visible=article.has_facts),
            render_sections(article),
            render_related(library, doc_id),
            render_listing(library, query or "", doc_id),
        )

    def ask_section(self, doc_id: str, saved: object, evt: gr.SelectData) -> Iterator[tuple]:
        """A section picked: switch to the chat and ask about it."""
        library = self.library()
        article = library.article(doc_id) if library and isinstance(doc_id, str) else None
        section = evt.value if isinstance(evt.value, str) else ""
        if article is None or section not in article.sections:
            return
        for i, out in enumerate(self.chat.respond(section_question(article, section), saved)):
            yield (gr.Tabs(selected="chat") if i == 0 else gr.skip(), *out)

    def add_current(self, doc_id: str, picked: list | None) -> gr.Dropdown:
        picked = [p for p in picked or [] if isinstance(p, str)]
        if not doc_id or doc_id in picked:
            return gr.skip()
        if len(picked) >= MAX_COMPARE:
            gr.Info(f"At most {MAX_COMPARE} careers at once; remove one first.")
            return gr.skip()
        return gr.Dropdown(value=[*picked, doc_id])

    def compare(self, picked: list | None) -> str:
        ids = [p for p in picked or [] if isinstance(p, str)]
        library = self.library()
        if library is None or len(ids) < MIN_COMPARE:
            return render_comparison(None, empty=library is not None and not library.comparable())
        try:
            return render_comparison(library.compare(ids[:MAX_COMPARE]))
        except ValueError as err:
            return render_comparison(None, str(err))
