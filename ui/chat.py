"""Event handlers of the chat UI. Each turns the Advisor's events and records into widget values;
none lets an exception reach the page (it is logged here and the user gets a polite line)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from advisor.index.store import StoreError
from advisor.records import Answer
from advisor.settings import Settings

from . import convert, feedback, render
from .sessions import Sessions, StateKeys, state_secret

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
BROKEN_INDEX = "The library could not be opened right now; the server log has the details."
SORRY = "Sorry, something went wrong while answering. Please try again in a moment."
NOT_SERVED = "Feedback can be given on the answers of this visit only."


class Chat:
    """Handlers over one Advisor; per-user data only ever arrives as handler arguments."""

    unsupported_option = feedback.UNSUPPORTED_OPTION

    def __init__(self, advisor, settings: Settings) -> None:
        self.advisor = advisor
        self.settings = settings
        self.sessions = Sessions(settings.max_sessions, settings.session_ttl)
        self.keys = StateKeys.from_secret(state_secret(settings))

    # -- conversions ---------------------------------------------------------------------
    def messages(self, turns: list[dict[str, Any]]) -> list[dict[str, str]]:
        out = []
        for i, t in enumerate(turns):
            answer = convert.answer_from_dict(t["answer"]) or Answer(text=SORRY, refused=True)
            out.append({"role": "user", "content": render.render_user(t["user"])})
            out.append({"role": "assistant", "content": render.render_answer(i, answer, t["user"])})
        return out

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

    def served(self, request: gr.Request | None, user: str, answer: Answer) -> dict[str, Any]:
        """The stored turn for an answer just given: signed (so a saved chat can be trusted when
        it comes back) and remembered as served to this session (so feedback can name it)."""
        turn = convert.turn(user, answer)
        turn["sig"] = self.keys.sign(turn)
        session = _session(request)
        if session:
            self.sessions.serve(session, feedback.answer_key(turn), turn)
        return turn

    def fit(self, turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The newest turns that the page can send back on its next load: at most MAX_TURNS,
        within half the request cap (the rest of that request is small)."""
        turns = turns[-convert.MAX_TURNS :]
        budget = self.settings.max_request_kb * 1024 // 2
        while len(turns) > 1 and len(json.dumps(turns, ensure_ascii=False).encode()) > budget:
            turns = turns[1:]
        return turns

    # -- answering -----------------------------------------------------------------------
    def respond(
        self, question: str, turns: list[dict[str, Any]], request: gr.Request = None
    ) -> Iterator[tuple]:
        """Stream one answer into the chat. Yields (textbox, chatbot, turns, saved, *buttons)."""
        try:
            yield from self._respond(question, turns, request)
        except Exception:  # _stream already answers politely; this guards the rendering around it
            log.exception("the chat handler failed")
            gr.Warning(SORRY)

    def _respond(self, question: str, turns: list[dict[str, Any]], request) -> Iterator[tuple]:
        question = question if isinstance(question, str) else ""
        if not question.strip():  # nothing typed: no empty bubble, the chat stays as it was
            yield ("", *[gr.skip()] * (3 + FOLLOW_UPS))
            return
        turns = convert.clean_turns(turns)
        past = self.messages(turns)
        user = {"role": "user", "content": render.render_user(self.shown(question))}

        def frame(html: str) -> tuple:
            chat = [*past, user, {"role": "assistant", "content": html}]
            return (gr.skip(), chat, gr.skip(), gr.skip(), *[gr.skip()] * FOLLOW_UPS)

        first = frame(render.render_partial("", "Searching the sources…"))
        yield ("", *first[1:4], *[gr.Button(visible=False)] * FOLLOW_UPS)
        answer = yield from self._stream(question, turns, frame)
        turns = self.fit([*turns, self.served(request, self.shown(question), answer)])
        yield (gr.skip(), self.messages(turns), turns, turns, *self.buttons(answer))

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
        except StoreError:
            log.exception("index unavailable while answering")
            return Answer(text=NO_INDEX, refused=True)
        except Exception:
            log.exception("answering %r failed", question[:200])
        return Answer(text=SORRY, refused=True)

    def example(
        self, turns: list[dict[str, Any]], evt: gr.SelectData, request: gr.Request = None
    ) -> Iterator[tuple]:
        value = evt.value if isinstance(evt.value, str) else (evt.value or {}).get("text", "")
        yield from self.respond(value if isinstance(value, str) else "", turns, request)

    def ask_json(self, question: str, history_json: str) -> str:
        """Answer `question` given `history_json` (a JSON list of [question, answer] pairs, each
        answer as this endpoint returned it). Returns the answer as a JSON object: answer,
        refused, citations, follow_ups and the resolved question."""
        try:
            answer = self.advisor.ask(question or "", convert.history_from_json(history_json))
        except StoreError:
            log.exception("index unavailable while answering")
            answer = Answer(text=NO_INDEX, refused=True)
        except Exception:
            log.exception("answering %r failed", (question or "")[:200])
            answer = Answer(text=SORRY, refused=True)
        return json.dumps(convert.answer_to_dict(answer), ensure_ascii=False)

    # -- feedback, clearing, restoring ---------------------------------------------------
    def feedback(
        self, turns: list[dict[str, Any]], data: gr.LikeData, request: gr.Request = None
    ) -> None:
        """A thumb or flag on an answer (message 2k+1 is turn k's answer). Recorded only for an
        answer this session was served, with the server's copy of it, and once per verdict: the
        page can send one click twice, concurrently (the flag's options do)."""
        try:
            index = data.index[0] if isinstance(data.index, list | tuple) else data.index
            turns = convert.clean_turns(turns)
            if not isinstance(index, int) or not 0 <= index // 2 < len(turns):
                return
            session, key = _session(request), feedback.answer_key(turns[index // 2])
            turn = self.sessions.served(session, key) if session else None
            if turn is None:
                gr.Info(NOT_SERVED)
                return
            verdict = feedback.verdict_of(data.liked)
            path = self.settings.feedback_file
            if self.sessions.give_verdict(
                session, key, verdict, lambda: feedback.record(path, turn, verdict)
            ):
                gr.Info("Thanks, your feedback was saved.")
        except Exception:
            log.exception("could not record feedback")
            gr.Warning("Sorry, your feedback could not be saved.")

    def clear(self) -> tuple:
        """New chat: outputs (chatbot, turns, saved, *buttons)."""
        return ([], [], [], *self.buttons(None))

    def restore(self, saved: object, request: gr.Request = None) -> tuple:
        """Page load: this browser's saved conversation, the library status, the outline."""
        try:
            return self._restore(saved, request)
        except Exception:  # start afresh rather than show a broken page
            log.exception("could not restore the conversation")
            return self._restore([], request)

    def trusted(self, saved: object, request: gr.Request | None) -> list[dict[str, Any]]:
        """The saved turns this server signed (a page can send anything), remembered as served
        to the new session so feedback on them counts."""
        turns = [t for t in convert.clean_turns(saved) if self.keys.verify(t)]
        session = _session(request)
        for turn in turns if session else ():
            self.sessions.serve(session, feedback.answer_key(turn), turn)
        return turns

    def _restore(self, saved: object, request: gr.Request | None) -> tuple:
        turns = self.trusted(saved, request)
        last = convert.answer_from_dict(turns[-1]["answer"]) if turns else None
        return (turns, self.messages(turns), turns, *self.buttons(last), self.status_html())

    def status_html(self, loading: bool = False) -> str:
        if loading:
            return render.render_status(None, note="Opening the library…")
        try:
            status = self.advisor.status()
        except StoreError:
            return render.render_status(None, NO_INDEX)
        except Exception:
            log.exception("status failed")
            return render.render_status(None, BROKEN_INDEX)
        if not status.get("chunks"):
            return render.render_status(None, EMPTY_INDEX)
        return render.render_status(status)


def _session(request: gr.Request | None) -> str:
    """The browser session a request comes from ("" when called outside a server)."""
    session = getattr(request, "session_hash", None) if request is not None else None
    return session if isinstance(session, str) else ""
