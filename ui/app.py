"""The Career Advisor chat UI (Gradio Blocks): streaming cited answers, follow-ups, an Explore
tab, feedback, and a per-browser conversation. `build_app` wires it; `launch` serves it."""

from __future__ import annotations

import logging
import threading

import gradio as gr  # advisor.ui's __init__ has already switched analytics and telemetry off

from advisor.settings import Settings

from .chat import FOLLOW_UPS, Chat
from .explore import CSS as EXPLORE_CSS
from .explore import ExploreTab

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
"""


class AdvisorBlocks(gr.Blocks):
    """Blocks that carry their own look: Gradio 6 takes theme and css at launch time, and the
    tests launch the app themselves."""

    def launch(self, *args, **kwargs):
        kwargs.setdefault("theme", gr.themes.Default(primary_hue="blue"))  # bundled fonts only
        kwargs.setdefault("css", CSS + EXPLORE_CSS)
        kwargs.setdefault("ssr_mode", False)
        kwargs.setdefault("show_error", False)  # handlers answer politely; no exception text
        kwargs.setdefault("run_history", False)  # it would offer to upload runs to a HF bucket
        kwargs.setdefault("footer_links", ["api", "settings"])
        return super().launch(*args, **kwargs)


def build_app(advisor, settings: Settings) -> gr.Blocks:
    """The whole UI over one Advisor; queued with the settings' concurrency and queue size."""
    chat = Chat(advisor, settings)
    with AdvisorBlocks(title="Career Advisor", analytics_enabled=False) as demo:
        turns = gr.State([])  # this session's conversation: server side, never shared
        saved = gr.BrowserState([], storage_key="career-advisor-chat")  # survives a reload
        verdicts = gr.State({})  # this session's current verdict per answer
        gr.HTML('<h2 style="margin:0">Career Advisor</h2>')
        status = gr.HTML(chat.status_html(loading=True))
        with gr.Tabs(selected="chat") as tabs:
            with gr.Tab("Chat", id="chat"):
                chatbot = gr.Chatbot(
                    label="Conversation",
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

        outputs = [question, chatbot, turns, saved, *follow_ups]
        # Every answering event shares one concurrency group: `concurrency` answers at once.
        answering = {"concurrency_id": "advisor", "show_progress": "minimal"}
        internal = {**answering, "api_visibility": "private"}
        question.submit(chat.respond, [question, turns], outputs, api_name="chat", **answering)
        for button in follow_ups:
            button.click(chat.respond, [button, turns], outputs, **internal)
        chatbot.example_select(chat.example, [turns], outputs, **internal)
        explore.wire(tabs, turns, outputs, internal)
        chatbot.like(chat.feedback, [turns, verdicts], verdicts, api_visibility="private")
        cleared = [chatbot, turns, saved, verdicts, *follow_ups]
        new_chat.click(chat.clear, None, cleared, api_visibility="private", queue=False)
        chatbot.clear(chat.clear, None, cleared, api_visibility="private", queue=False)
        restored = [turns, chatbot, saved, *follow_ups, status]
        # Off the queue: the page (saved chat, status, library) loads even when answers are busy.
        page = {"api_visibility": "private", "queue": False}
        demo.load(chat.restore, [saved], restored, **page).then(
            explore.status_html, None, status, **page
        )
        demo.load(explore.load, None, explore.load_outputs, **page)  # beside the chat's
        gr.api(chat.ask_json, api_name="ask", concurrency_id="advisor")
    demo.queue(default_concurrency_limit=settings.concurrency, max_size=settings.queue_size)
    return demo


def _auth(settings: Settings) -> tuple[str, str] | None:
    user, sep, password = (settings.auth or "").partition(":")
    return (user, password) if sep and user and password else None


def _warm(advisor) -> None:
    """Load the model and open the index in the background so the first question is quick."""
    try:
        advisor.warm()
        advisor.library()  # the Explore tab's outline, built once per index generation
    except Exception:  # a missing index is reported on the page; the log gets the details
        log.warning("could not warm the advisor", exc_info=True)


def launch(settings: Settings, advisor) -> None:
    """Serve the UI on settings.host:settings.port (loopback by default) until interrupted."""
    logging.basicConfig(level=logging.WARNING)
    log.setLevel(logging.INFO)
    if settings.auth and _auth(settings) is None:
        raise ValueError("ADVISOR_AUTH must look like user:password")
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
