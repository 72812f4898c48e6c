"""The Career Advisor chat UI (Gradio Blocks): streaming cited answers, follow-ups, an Explore
tab, feedback, and a per-browser conversation. `build_app` wires it; `launch` serves it."""

from __future__ import annotations

import ipaddress
import logging
import threading

import gradio as gr  # advisor.ui's __init__ has already switched analytics and telemetry off
from starlette.middleware import Middleware

from advisor.index.generations import IndexMissing
from advisor.settings import Settings

from .api_sessions import ANALYTICS_EVENTS, ApiSessions
from .chat import FOLLOW_UPS, Chat
from .explore import CSS as EXPLORE_CSS
from .explore import ExploreTab
from .guard import RequestGuard
from .memory import keep_trimmed
from .pace import CallPace

log = logging.getLogger("advisor.ui")

EXAMPLES = [  # one per thing people come for: certifications, specializations, roles, pay
    "Which certifications help me move into engineering management?",
    "What are the common MEM specializations?",
    "Is a director more strategic than an engineering manager?",
    "How much do engineering managers earn?",
]
PLACEHOLDER = (
    "### Ask a career question\nEvery answer quotes the articles in the library and "
    "links each claim to its source. Try one of these:"
)
CSS = """
.ca-status { font-size: .9em; opacity: .85; padding: 2px 4px; }
.ca-status-problem { color: var(--error-text-color, #b91c1c); font-weight: 600; opacity: 1; }
.ca-answer p { margin: 0 0 .5em 0; }
.ca-answer ul { margin: 0 0 .5em 1.2em; }
sup.ca-ref { font-size: .75em; margin-left: 1px; }
sup.ca-ref a { text-decoration: none; font-weight: 600; }
.ca-sources { margin-top: .6em; padding-top: .4em; font-size: .9em;
  border-top: 1px solid var(--border-color-primary); }
.ca-sources-h { font-weight: 600; margin-bottom: .2em; }
.ca-sources ol { margin: 0 0 0 1.4em; padding: 0; }
.ca-sources li { margin: .25em 0; scroll-margin-top: 1em; }
.ca-sources li:target { background: var(--color-accent-soft); border-radius: 4px; }
.ca-title { font-weight: 600; }
.ca-meta { opacity: .75; font-size: .9em; }
.ca-support summary { cursor: pointer; opacity: .8; }
.ca-support blockquote { white-space: pre-line; margin: .3em 0; padding-left: .6em;
  border-left: 3px solid var(--border-color-primary); }
.ca-support mark { padding: 0 1px; }
.ca-pending { opacity: .85; }
.ca-resolved { font-size: .85em; opacity: .7; margin-bottom: .3em; }
.ca-followups button { flex: 0 1 auto !important; min-width: 0 !important; }
.ca-followups:has(button)::before { content: "You could also ask:"; align-self: center;
  font-size: .9em; opacity: .8; }
#ca-articles label, #ca-sections label { flex: 1 1 45%; }
.ca-topics { margin: 0 0 .5em 1.2em; }
/* a refusal's topics (the Chatbot's message options, Gradio's own classes): buttons in a row
   under the bubble, not wide boxes at the far right */
#ca-chat .options { display: flex; flex-wrap: wrap; gap: 6px; justify-content: flex-start;
  max-width: none; margin: 0; padding: 4px var(--spacing-xxl) var(--spacing-xl); }
#ca-chat .option { width: auto; max-width: none; padding: 4px 12px; border-style: solid;
  border-color: var(--border-color-accent); border-radius: 999px; }
"""


# One font family at every weight, from the machine's own fonts: Gradio's bundled faces set
# bold in another font (its Source Sans Pro SemiBold is a 5 KB subset, so "CAPM" in bold came
# from a fallback), and a web font would be a fetch the page must never make (it may be offline).
SANS = (
    "system-ui",
    "-apple-system",
    "Segoe UI",
    "Roboto",
    "Helvetica Neue",
    "Arial",
    "Noto Sans",
    "Liberation Sans",
    "DejaVu Sans",
    "sans-serif",
)
MONO = (
    "ui-monospace",
    "SFMono-Regular",
    "Menlo",
    "Consolas",
    "Liberation Mono",
    "DejaVu Sans Mono",
    "monospace",
)
PUBLIC_API = ("chat", "ask")  # the only events a client may call by name
MAX_UPLOAD_BYTES = 0  # no component of this app takes a file: Gradio's upload route takes none
# Gradio's temporary files (none are expected, see above): swept hourly, kept an hour at most.
CACHE_SWEEP = (3600, 3600)


def theme() -> gr.themes.Base:
    """Gradio's default look over the local font stacks (strings: no @font-face is written)."""
    return gr.themes.Default(primary_hue="blue", font=SANS, font_mono=MONO)


class AdvisorBlocks(gr.Blocks):
    """Blocks that carry their own look and limits: Gradio 6 takes theme, css, upload size and
    session capacity at launch time, and the tests launch the app themselves."""

    def __init__(self, settings: Settings, **kwargs):
        self.settings = settings
        super().__init__(delete_cache=CACHE_SWEEP, **kwargs)

    def launch(self, *args, **kwargs):
        kwargs.setdefault("theme", theme())
        kwargs.setdefault("css", CSS + EXPLORE_CSS)
        kwargs.setdefault("ssr_mode", False)
        kwargs.setdefault("show_error", False)  # handlers answer politely; no exception text
        kwargs.setdefault("run_history", False)  # it would offer to upload runs to a HF bucket
        kwargs.setdefault("footer_links", ["api", "settings"])
        kwargs.setdefault("max_file_size", MAX_UPLOAD_BYTES)
        kwargs.setdefault("enable_monitoring", False)  # its dashboard and analytics, at /monitoring
        kwargs.setdefault("state_session_capacity", self.settings.max_sessions)
        self._queue.ANALYTICS_MAX_EVENTS = ANALYTICS_EVENTS
        guard = Middleware(
            RequestGuard,
            blocks=self,
            max_bytes=self.settings.max_request_kb * 1024,
            public=PUBLIC_API,
            api_sessions=ApiSessions(self),
            pace=CallPace(self.settings.api_calls_per_second),
        )
        app_kwargs = dict(kwargs.pop("app_kwargs", None) or {})
        app_kwargs["middleware"] = [*app_kwargs.get("middleware", []), guard]
        return super().launch(*args, app_kwargs=app_kwargs, **kwargs)


INDEXING_REFRESH = 3.0  # seconds between status refreshes while an index is being built
# HAND-SET. Seconds between the queue's position updates to waiting clients. Gradio's default
# sends every waiting event its position whenever any job starts, and keeps each message until
# its client reads it: a flood of N API calls that never fetch their results left O(N^2) of
# them (200 calls: about 80,000 objects, 13 MB, tracemalloc). A new event still gets its
# position at once; answers take about a second, so a position 10 s old is still useful.
QUEUE_STATUS_SECONDS = 10.0


def build_app(advisor, settings: Settings) -> gr.Blocks:
    """The whole UI over one Advisor; every event queued with the settings' concurrency and
    queue size."""
    keep_trimmed()  # memory freed after a burst of requests goes back to the system
    chat = Chat(advisor, settings)
    with AdvisorBlocks(settings, title="Career Advisor", analytics_enabled=False) as demo:
        # The conversation lives in the browser only: it survives a reload and a restart (its
        # secret comes from the settings), comes with every request, and each of its turns is
        # signed by the server and verified on every request (ui/chat.py). No server-side
        # session holds it, so no other traffic can evict it and no session hash reaches it.
        saved = gr.BrowserState([], storage_key="career-advisor-chat", secret=chat.keys.browser)
        gr.HTML('<h2 style="margin:0">Career Advisor</h2>')
        status = gr.HTML(chat.status_html(loading=True))
        with gr.Tabs(selected="chat") as tabs:
            with gr.Tab("Chat", id="chat"):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    show_label=False,  # its floating label covered the messages scrolled under it
                    height="66vh",
                    min_height=420,
                    # Messages are our own escaped HTML (ui/render.py). Markdown stays off: it
                    # would turn text like ![x](http://...) into a remote image fetch.
                    render_markdown=False,
                    sanitize_html=True,  # and the page's sanitizer stays on behind it
                    buttons=[],
                    placeholder=PLACEHOLDER,
                    elem_id="ca-chat",
                    examples=[{"text": q} for q in EXAMPLES],
                    feedback_options=("Like", "Dislike", chat.unsupported_option),
                )
                with gr.Row(elem_classes="ca-followups"):
                    follow_ups = [
                        gr.Button(visible=False, size="sm", elem_classes="ca-followup")
                        for _ in range(FOLLOW_UPS)
                    ]
                with gr.Row():
                    question = gr.Textbox(
                        placeholder="Ask about certifications, degrees, roles, pay…",
                        show_label=False,
                        label="Your question",
                        submit_btn="Ask",
                        max_length=settings.max_question_chars,
                        scale=6,
                        elem_id="ca-question",
                        autofocus=True,
                    )
                    new_chat = gr.Button("New chat", scale=1, variant="secondary")
            with gr.Tab("Explore", id="explore"):
                explore = ExploreTab(advisor, chat)
                explore.render()

        outputs = [question, chatbot, saved, *follow_ups]
        # Every event is queued (within queue_size). Answering events share one concurrency
        # group, `concurrency` answers at once; the page's light events (load, clear, feedback,
        # section lists) another, so the page loads even while answers are busy.
        answering = {"concurrency_id": "advisor", "show_progress": "minimal"}
        internal = {**answering, "api_visibility": "private"}
        page = {"concurrency_id": "page", "api_visibility": "private"}
        question.submit(chat.respond, [question, saved], outputs, api_name="chat", **answering)
        for button in follow_ups:
            button.click(chat.respond, [button, saved], outputs, **internal)
        chatbot.example_select(chat.example, [saved], outputs, **internal)
        chatbot.option_select(chat.choose, [saved], outputs, **internal)
        explore.wire(tabs, saved, outputs, internal, page)
        chatbot.like(chat.feedback, [saved], None, **page)
        cleared = [chatbot, saved, *follow_ups]
        new_chat.click(chat.clear, None, cleared, **page)
        chatbot.clear(chat.clear, None, cleared, **page)
        restored = [chatbot, saved, *follow_ups, status]
        demo.load(chat.restore, [saved], restored, **page).then(
            explore.status_html, None, status, **page
        )
        demo.load(explore.load, None, explore.load_outputs, **page)  # beside the chat's
        # While an index is being built or a library added (in another process), the status
        # line shows how far it got; the timer runs only then, so idle pages cost nothing.
        watch = gr.Timer(INDEXING_REFRESH, active=False)
        demo.load(lambda: gr.Timer(active=chat.indexing()), None, watch, **page)
        watch.tick(
            explore.progress, [explore.filter], [status, watch, *explore.load_outputs], **page
        )
        # The JSON API answers in a group of its own, one at a time: a flood of API calls
        # queues behind itself, never ahead of the page's conversations, and takes at most one
        # core from them (four at once raised chat p95 4-5x under a 200-call flood; one,
        # 1.9-2.7x; one that also waits for the page's answers in progress, 1.5-1.8x:
        # evals/load_mixed.py, ui/priority.py)
        gr.api(chat.ask_json, api_name="ask", concurrency_id="api", concurrency_limit=1)
    # api_open=False: no event runs through a direct POST that would skip the queue.
    demo.queue(
        default_concurrency_limit=settings.concurrency,
        max_size=settings.queue_size,
        api_open=False,
        status_update_rate=QUEUE_STATUS_SECONDS,
    )
    return demo


def _auth(settings: Settings) -> tuple[str, str] | None:
    user, sep, password = (settings.auth or "").partition(":")
    return (user, password) if sep and user and password else None


def _warm(advisor) -> None:
    """Load the model and open the index in the background so the first question is quick."""
    try:
        advisor.warm()
        advisor.library()  # the Explore tab's outline, built once per index generation
    except IndexMissing:  # being built, or not yet: the page says which
        log.info("no index yet; the first question after it is built opens it")
    except Exception:  # reported on the page; the log gets the details
        log.warning("could not warm the advisor", exc_info=True)


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def check_exposure(settings: Settings) -> None:
    """Refuse to serve beyond this machine without a password unless told so explicitly."""
    if settings.auth and _auth(settings) is None:
        raise ValueError("ADVISOR_AUTH must look like user:password")
    if not is_loopback(settings.host) and not settings.auth and not settings.insecure:
        raise ValueError(
            f"refusing to listen on {settings.host} without ADVISOR_AUTH=user:password: anyone "
            "who can reach it could use it. Set ADVISOR_AUTH, or pass --insecure "
            "(ADVISOR_INSECURE=1) if something in front of it (SSO, a proxy) checks who connects."
        )


def launch(settings: Settings, advisor) -> None:
    """Serve the UI on settings.host:settings.port (loopback by default) until interrupted."""
    logging.basicConfig(level=logging.WARNING)
    log.setLevel(logging.INFO)
    check_exposure(settings)
    threading.Thread(target=_warm, args=(advisor,), daemon=True).start()
    demo = build_app(advisor, settings)
    demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=_auth(settings),
        share=False,
        inbrowser=False,
        mcp_server=False,
        pwa=False,
    )
