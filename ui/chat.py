"""Event handlers of the chat UI. Each turns the Advisor's events and records into widget values;
none lets an exception reach the page (it is logged here and the user gets a polite line)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from advisor.index.generations import IndexMissing
from advisor.index.store import StoreError
from advisor.records import Answer
from advisor.settings import Settings

from . import convert, feedback, render
from .priority import PageFirst
from .sessions import StateKeys, state_secret

log = logging.getLogger("advisor.ui")

FOLLOW_UPS = 3
STREAM_EVERY = 0.08  # seconds between streamed repaints; tokens come faster than that
NO_INDEX = (
    "No articles are indexed yet. Run `career-advisor ingest` (after putting articles in "
    "the corpus folder), then reload this page."
)
EMPTY_INDEX = (
    "The library is empty. Put articles in the corpus folder and run "
    "`career-advisor ingest`, then reload this page."
)
INDEXING = "{activity}. Answers start once the first articles are indexed; ask again in a minute."
BROKEN_INDEX = "The library could not be opened right now; the server log has the details."
SORRY = "Sorry, something went wrong while answering. Please try again in a moment."
NOT_SERVED = "Feedback can be given on answers this server gave only."


class Chat:
    """Handlers over one Advisor; per-user data only ever arrives as handler arguments. The
    conversation is the browser's: its saved turns, each signed by this server, come with every
    request and are verified every time, so no amount of other traffic can make the server forget
    them and no other client can read or extend them."""

    unsupported_option = feedback.UNSUPPORTED_OPTION

    def __init__(self, advisor, settings: Settings) -> None:
        self.advisor = advisor
        self.settings = settings
        self.keys = StateKeys.from_secret(state_secret(settings))
        self.votes = feedback.FeedbackLog(settings.feedback_file)
        self.first = PageFirst()  # the page's answers go ahead of the JSON API's

    # -- conversions ---------------------------------------------------------------------
    def messages(self, turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The chat's messages; the latest answer's offered topics are buttons under it (the
        page shows a message's options for the latest one only), earlier ones a list."""
        out: list[dict[str, Any]] = []
        for i, t in enumerate(turns):
            answer = convert.answer_from_dict(t["answer"]) or Answer(text=SORRY, refused=True)
            latest = i == len(turns) - 1
            html = render.render_answer(i, answer, t["user"], buttons=latest)
            out.append({"role": "user", "content": render.render_user(t["user"])})
            out.append({"role": "assistant", "content": html, **self.options(answer, latest)})
        return out

    @staticmethod
    def options(answer: Answer, latest: bool) -> dict[str, Any]:
        """A refusal's offered topics as the message's buttons: each asks its question."""
        if not latest or answer.offer is None:
            return {}
        return {"options": [{"label": t.title, "value": t.question} for t in answer.offer.topics]}

    @staticmethod
    def buttons(answer: Answer | None) -> list[gr.Button]:
        """The follow-up buttons for the latest answer (hidden when it has none)."""
        questions = list(answer.follow_ups if answer and not answer.refused else ())[:FOLLOW_UPS]
        return [gr.Button(value=q, visible=True) for q in questions] + [
            gr.Button(visible=False) for _ in range(FOLLOW_UPS - len(questions))
        ]

    def shown(self, question: str) -> str:
        """What is kept of a question in the page and the browser (the Advisor sees all of it)."""
        return render.clip(question, self.settings.max_question_chars)

    def signed(self, user: str, answer: Answer) -> dict[str, Any]:
        """The stored turn for an answer just given, signed: when the browser sends it back, the
        server knows it gave this answer to this question (and feedback may name it)."""
        turn = convert.turn(user, answer)
        turn["sig"] = self.keys.sign(turn)
        return turn

    def verified(self, saved: object) -> list[dict[str, Any]]:
        """The turns of a saved chat that this server signed (a page can send anything)."""
        return [t for t in convert.clean_turns(saved) if self.keys.verify(t)]

    def fit(self, turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The newest turns that the page can send back on its next load: at most MAX_TURNS,
        within half the request cap (the rest of that request is small)."""
        turns = turns[-convert.MAX_TURNS :]
        budget = self.settings.max_request_kb * 1024 // 2
        while len(turns) > 1 and len(json.dumps(turns, ensure_ascii=False).encode()) > budget:
            turns = turns[1:]
        return turns

    # -- answering -----------------------------------------------------------------------
    def respond(self, question: str, saved: object) -> Iterator[tuple]:
        """Stream one answer into the chat after the browser's saved turns. Yields (textbox,
        chatbot, saved, *buttons)."""
        try:
            with self.first.page():
                yield from self._respond(question, self.verified(saved))
        except Exception:  # _stream already answers politely; this guards the rendering around it
            log.exception("the chat handler failed")
            gr.Warning(SORRY)

    def _respond(self, question: str, turns: list[dict[str, Any]]) -> Iterator[tuple]:
        question = question if isinstance(question, str) else ""
        if not question.strip():  # nothing typed: no empty bubble, the chat stays as it was
            yield ("", *[gr.skip()] * (2 + FOLLOW_UPS))
            return
        past = self.messages(turns)
        user = {"role": "user", "content": render.render_user(self.shown(question))}

        def frame(html: str) -> tuple:
            chat = [*past, user, {"role": "assistant", "content": html}]
            return (gr.skip(), chat, gr.skip(), *[gr.skip()] * FOLLOW_UPS)

        first = frame(render.render_partial("", "Searching the sources…"))
        yield ("", *first[1:3], *[gr.Button(visible=False)] * FOLLOW_UPS)
        answer = yield from self._stream(question, turns, frame)
        turns = self.fit([*turns, self.signed(self.shown(question), answer)])
        yield (gr.skip(), self.messages(turns), turns, *self.buttons(answer))

    def _stream(self, question: str, turns: list[dict[str, Any]], frame) -> Iterator[tuple]:
        """Relay the Advisor's events as repaints; return the final Answer (or a polite one)."""
        text, last = "", 0.0
        try:
            for event in self.advisor.stream(question, convert.history(turns)):
                if event.kind == "answer" and event.answer is not None:
                    return event.answer
                if event.kind == "status":
                    yield frame(render.render_partial(text, event.text))
                elif event.kind == "token":
                    text += event.text
                    if time.monotonic() - last >= STREAM_EVERY:
                        last = time.monotonic()
                        yield frame(render.render_partial(text))
        except IndexMissing:  # being built, or not yet: an expected state, said on the page
            return Answer(text=self.no_index(), refused=True)
        except StoreError:
            log.exception("index unavailable while answering")
            return Answer(text=self.no_index(), refused=True)
        except Exception:
            log.exception("answering %r failed", question[:200])
        return Answer(text=SORRY, refused=True)

    def choose(self, saved: object, evt: gr.SelectData) -> Iterator[tuple]:
        """An offered topic's button: ask its question (a client may send any text, like the
        textbox; it is answered like a typed question)."""
        yield from self.respond(evt.value if isinstance(evt.value, str) else "", saved)

    def no_index(self) -> str:
        """Why there is nothing to answer from: an index being built (and how far it got), or
        none at all."""
        activity = self.advisor.activity()
        return INDEXING.format(activity=activity) if activity else NO_INDEX

    def example(self, saved: object, evt: gr.SelectData) -> Iterator[tuple]:
        value = evt.value if isinstance(evt.value, str) else (evt.value or {}).get("text", "")
        yield from self.respond(value if isinstance(value, str) else "", saved)

    def ask_json(self, question: str, history_json: str) -> str:
        """Answer `question` given `history_json` (a JSON list of [question, answer] pairs, each
        answer as this endpoint returned it). Returns the answer as a JSON object: answer,
        refused, citations, follow_ups and the resolved question."""
        question = question if isinstance(question, str) else ""  # an API caller sends anything
        history_json = history_json if isinstance(history_json, str) else "[]"
        self.first.api_turn()
        try:
            answer = self.advisor.ask(question or "", convert.history_from_json(history_json))
        except IndexMissing:  # being built, or not yet: an expected state, said in the answer
            answer = Answer(text=self.no_index(), refused=True)
        except StoreError:
            log.exception("index unavailable while answering")
            answer = Answer(text=self.no_index(), refused=True)
        except Exception:
            log.exception("answering %r failed", question[:200])
            answer = Answer(text=SORRY, refused=True)
        return json.dumps(convert.answer_to_dict(answer), ensure_ascii=False)

    # -- feedback, clearing, restoring ---------------------------------------------------
    def feedback(self, saved: object, data: gr.LikeData, request: gr.Request = None) -> None:
        """A thumb or flag on an answer (message 2k+1 is turn k's answer). Recorded only for an
        answer this server signed, with its own copy of it, and once per verdict of a client on
        that answer (see feedback.FeedbackLog): the page can send one click twice."""
        try:
            index = data.index[0] if isinstance(data.index, list | tuple) else data.index
            turns = convert.clean_turns(saved)
            if not isinstance(index, int) or not 0 <= index // 2 < len(turns):
                return
            turn = turns[index // 2]
            if not self.keys.verify(turn):
                gr.Info(NOT_SERVED)
                return
            client = getattr(getattr(request, "client", None), "host", None) or ""
            if self.votes.give(turn, feedback.verdict_of(data.liked), str(client)):
                gr.Info("Thanks, your feedback was saved.")
        except Exception:
            log.exception("could not record feedback")
            gr.Warning("Sorry, your feedback could not be saved.")

    def clear(self) -> tuple:
        """New chat: outputs (chatbot, saved, *buttons)."""
        return ([], [], *self.buttons(None))

    def restore(self, saved: object) -> tuple:
        """Page load: this browser's saved conversation (chatbot, saved, *buttons, status)."""
        try:
            turns = self.verified(saved)
        except Exception:  # start afresh rather than show a broken page
            log.exception("could not restore the conversation")
            turns = []
        last = convert.answer_from_dict(turns[-1]["answer"]) if turns else None
        return (self.messages(turns), turns, *self.buttons(last), self.status_html())

    def status_html(self, loading: bool = False) -> str:
        if loading:
            return render.render_status(None, note="Opening the library…")
        activity = self.advisor.activity()
        try:
            status = self.advisor.status()
        except StoreError:
            if activity:
                return render.render_status(None, note=activity)
            return render.render_status(None, NO_INDEX)
        except Exception:
            log.exception("status failed")
            return render.render_status(None, BROKEN_INDEX)
        if not status.get("chunks"):
            return (
                render.render_status(None, note=activity)
                if activity
                else render.render_status(None, EMPTY_INDEX)
            )
        return render.render_status(status, note=activity)

    def indexing(self) -> bool:
        """Whether an indexing run is going on (the page then refreshes its status line)."""
        return bool(self.advisor.activity())
