"""The Advisor: question (+ conversation) in, cited `Answer` out. One named function per stage:
check -> condense -> analyse -> retrieve -> score units -> rank -> compose -> answer -> follow-ups.

The index and the embedding model open lazily on first use, so constructing one is cheap.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from advisor.answer.analysis import (
    Analysis,
    Subject,
    analyse,
    conversation_subjects,
    family_runs,
    one_per_article,
    sides_asked,
    with_conversation_subjects,
)
from advisor.answer.answerable import (
    AnswerabilityModel,
    Decision,
    decided,
    keeps_answer,
    load_model,
    model_versions,
    signals,
)
from advisor.answer.answerer import Answerer, Prepared, QuotingAnswerer, spell
from advisor.answer.aspects import AspectModel, load_aspect_model, with_learned_attribute
from advisor.answer.compose import Draft, compose
from advisor.answer.condense import condense as condense_question
from advisor.answer.gather import (
    Gatherer,
    with_continuations,
    with_each_subject_hit,
    with_figure_hit,
)
from advisor.answer.match import idf_weights
from advisor.answer.scoring import ScoredUnit, rank_hits, score_units
from advisor.answer.suggest import subject_questions, suggest_follow_ups
from advisor.answer.titles import TitleMeanings
from advisor.answer.tuning import MIN_DENSE, MIN_NAME_LENGTH, NEAREST_SUBJECTS, STYLE_TOPICS
from advisor.index.generations import IndexReader, LiveIndex
from advisor.index.inventory import Inventory
from advisor.index.per_generation import PerGeneration
from advisor.index.retrieval import Searcher
from advisor.library.catalog import (
    Comparison,
    Library,
    comparison_table,
    library_from_reader,
)
from advisor.limits import clip_history
from advisor.records import (
    Answer,
    Event,
    Hit,
    Offer,
    Query,
    Quote,
    Topic,
    Turn,
    paragraph,
    passages_text,
)
from advisor.settings import Settings
from advisor.text.cues import compared_names, compares_by_or_only, looks_like_injection
from advisor.text.terms import stem, words_of

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)


# What a refusal offers: the nearest subjects the library covers when the one asked about is
# missing; the articles it did search when it covers the subject but not this question.
OFFER_LEAD = {
    "missing_subject": "The nearest topics they do cover:",
    "unanswered": "What they do cover on it:",
    "unsupported": "The nearest topics they do cover:",
}
# a refusal of a question the library has passages near (not off-topic): what it has is offered
NO_DIRECT_ANSWER = "Sorry, my sources don't answer that directly, so I can't answer it reliably."
EMPTY_REPLY = "Please type a question about your career, for example: Which certifications help me move into engineering management?"
TOO_LONG_REPLY = "That message is too long for me ({n:,} characters; the limit is {limit:,}). Please ask a shorter question."
REFUSAL = (
    "Sorry, my sources don't cover that, so I can't answer it reliably. I can help with questions "
    'about {topics}. Try asking, for example, "{example}"'
)


class Advisor:
    """Answers questions from one index. Thread-safe for concurrent `ask` calls."""

    def __init__(
        self,
        settings: Settings,
        answerer: Answerer | None = None,
        embed_query: Callable[[str], list[float]] | None = None,
    ) -> None:
        self.settings = settings
        self.answerer: Answerer = answerer or QuotingAnswerer()
        # the same text is embedded again by reranking and by repeated questions
        self._embed_query = lru_cache(maxsize=1024)(embed_query) if embed_query else None
        self._lock = threading.Lock()
        self.live = LiveIndex(settings)  # follows the pointer; opens and releases generations
        self._seen: IndexReader | None = None  # what _searcher was made from
        self._searcher: Searcher | None = None
        self._topics: PerGeneration[str] = PerGeneration()  # the refusal's topics line
        self._libraries: PerGeneration[Library] = PerGeneration()  # outline, facts, similar
        self._answerability: tuple[AnswerabilityModel | None] | None = None  # loaded once
        self._aspects: tuple[AspectModel | None] | None = None  # loaded once
        self._titles: PerGeneration[TitleMeanings] = PerGeneration()  # every title's vector
        self._question = threading.local()  # the generation this thread's question reads

    # -- lazy resources ------------------------------------------------------------------
    def _query_embeddings(self) -> Embeddings:
        from advisor.index.models import load_query_encoder

        return load_query_encoder(self.settings)  # cached by its loader

    def embed_query(self, text: str) -> list[float]:
        if self._embed_query is None:
            self._embed_query = lru_cache(maxsize=1024)(self._query_embeddings().embed_query)
        return self._embed_query(text)

    def forget_queries(self) -> None:
        """Drop cached query embeddings (benchmarks measure the real cost)."""
        if self._embed_query is not None:
            self._embed_query.cache_clear()

    def reader(self) -> IndexReader:
        """The live index generation (see `LiveIndex`); the searcher made for the previous one
        is dropped when it changes. A question in progress reads the generation it started
        with (`_one_generation`)."""
        pinned = getattr(self._question, "reader", None)
        if pinned is not None:
            return pinned
        reader = self.live.reader()
        if reader is not self._seen:
            with self._lock:
                if reader is not self._seen:
                    self._seen, self._searcher = reader, None
        return reader

    def searcher(self) -> Searcher:
        reader = self.reader()
        searcher = self._searcher
        if searcher is None or searcher.reader is not reader:  # never one of an older reader
            searcher = Searcher(reader, self.embed_query, self.settings.retriever)
            if reader is self._seen:  # a question still on an older generation keeps its own
                self._searcher = searcher
        return searcher

    def warm(self) -> None:
        """Load the model and open the index now rather than on the first question."""
        self.searcher().search("engineering manager", 1)
        self.title_meanings()

    def outline(self) -> list[tuple[str, str, str, str]]:
        """(doc_id, title, section, url) of every section, for browsing the library."""
        return self.reader().outline()

    def activity(self) -> str:
        """What an indexing run on this index is doing now, in words, or "" (none runs)."""
        from advisor.index.activity import read_activity

        running = read_activity(self.settings.index_dir)
        return running.line() if running else ""

    def status(self) -> dict[str, object]:
        docs, chunks = self.reader().stats()
        backend = getattr(self.answerer, "name", type(self.answerer).__name__)
        return {
            "documents": docs,
            "chunks": chunks,
            "backend": backend,
            "generation": self.reader().generation,
            "store": self.settings.chroma_url or str(self.settings.index_dir),
        }

    # -- stages --------------------------------------------------------------------------
    def check(self, question: str) -> Answer | None:
        """A polite reply for input we will not search with, else None."""
        if not question or not question.strip():
            return Answer(text=EMPTY_REPLY, refused=True, passages=(paragraph(EMPTY_REPLY),))
        if len(question) > self.settings.max_question_chars:
            n, limit = len(question), self.settings.max_question_chars
            text = TOO_LONG_REPLY.format(n=n, limit=limit)
            return Answer(text=text, refused=True, passages=(paragraph(text),))
        if looks_like_injection(question):
            return self.refusal(question)
        return None

    def refusal(self, question: str = "") -> Answer:
        text = self.topics_line()
        return Answer(text=text, refused=True, question=question, passages=(paragraph(text),))

    def topics_line(self) -> str:
        """The refusal's list of what the library holds, made once per index generation."""
        reader = self.reader()
        return self._topics.get(reader.generation, lambda: _topics_line(reader.outline()))

    def condense(self, question: str, history: Sequence[Turn]) -> Query:
        if not history:  # a first question needs no rewriting, by any answerer
            return condense_question(question)
        return self.answerer.condense(question, list(history))

    def analyse(self, query: Query, history: Sequence[Turn] = ()) -> Analysis:
        """What the question asks about (`_subjects`), and the aspect its meaning asks when its
        words name none the cues know (answer/aspects.py)."""
        analysis = self._subjects(query, history)
        model = self.aspect_model()
        if model is None:
            return analysis
        aspects = model.probabilities(self.question_vector(query))
        return with_learned_attribute(analysis, aspects, model.threshold, model.compared_threshold)

    def question_vector(self, query: Query) -> list[float]:
        """The embedding of the question as the user typed it, which the fitted models read
        (cached: the aspect model and the answer-or-refuse model share it)."""
        return self.embed_query(query.asked or query.text)

    def style_vector(self, query: Query) -> list[float]:
        """What the question-style signal reads: the question's vector beyond the nearest
        article titles (`STYLE_TOPICS`), so how it asks counts and not whom it is about."""
        return self.title_meanings().beyond(self.question_vector(query), STYLE_TOPICS)

    def aspect_model(self) -> AspectModel | None:
        """The fitted aspect model for this embedding model, if any."""
        if self._aspects is None:
            self._aspects = (load_aspect_model(self.aspect_versions()),)
        return self._aspects[0]

    def aspect_versions(self) -> dict[str, str]:
        return {"embedding": model_versions(self.settings)["embedding"]}

    def _subjects(self, query: Query, history: Sequence[Turn] = ()) -> Analysis:
        """What the question asks about; a follow-up that names no subject the library titles
        goes on about the conversation's (see `conversation_subjects`), unless it names one
        the library lacks ("and a locksmith?": that is the subject, and it is missing)."""
        inventory = self.reader().inventory()
        analysis = self._titled_subjects(analyse(query, inventory), inventory)
        if not history:
            return analysis
        if query.context:  # words condense carried from the turns before
            return self._subject_over_words(analysis, history)
        if analysis.missing:
            return analysis  # a subject the library lacks is the subject
        if any(s.docs for s in analysis.covered) or _names_unknown(query, inventory):
            return analysis  # its own subject, titled or one the library lacks
        sides = sides_asked(analysis)
        carried = conversation_subjects(
            history, inventory, self.titled_by_meaning, self._read_titled, sides
        )
        return with_conversation_subjects(analysis, carried, sides)

    def _read_titled(self, turn: Query) -> Analysis:
        """An earlier turn's analysis with its subjects titled as this turn's are."""
        inventory = self.reader().inventory()
        return self._titled_subjects(analyse(turn, inventory), inventory)

    def _titled_subjects(self, analysis: Analysis, inventory: Inventory) -> Analysis:
        """Subjects no title or alias names take the article whose title they mean, when one
        clearly does (answer/titles.py): "network admin" is Network and Computer Systems
        Administrators, "cybersecurity analyst" Information Security Analysts. Not a name the
        library itself uses ("PMP", "Six Sigma"): the passages that use it are about it. Nor
        one of words the library never uses ("PgMP", "doula"), nor a job's one-word name
        ("woodworker" is not Carpenters): those are refused by name. Then each article is one
        subject, however many names the question gives it (`one_per_article`)."""
        members = self._family_members(analysis, inventory)
        kinds = {m.stems[-1] for m in members}  # "teacher's aide" is not every aide
        subjects = one_per_article(
            [
                self._by_meaning(s, inventory) if _untitled(s, inventory) else s
                for s in analysis.subjects
                if not (len(s.stems) == 1 and s.stems[0] in kinds)
            ]
            + members,
            # "A, B, or C?" names one title's parts; "do A make more than B?" sets them apart
            compared=analysis.comparison and not compares_by_or_only(analysis.ask),
        )
        return analysis if subjects == analysis.subjects else replace(analysis, subjects=subjects)

    def _family_members(self, analysis: Analysis, inventory: Inventory) -> list[Subject]:
        """ "restaurant management": a kind of manager no title names, which one article's
        title means (Food Service Managers); none where no title clearly does."""
        used = frozenset(st for s in analysis.subjects for st in s.stems)
        out = []
        # the ask's; the whole question's when the ask names no one ("ok switching gears. my
        # daughter wants to be a teacher's aide ..."), as `analyse` finds subjects
        runs = family_runs(analysis.ask, inventory, used)
        if not runs and not _names_in(analysis.ask, analysis.subjects):
            runs = family_runs(analysis.query.text, inventory, used)
        for name, stems in runs:
            named = self._by_meaning(Subject(name=name, stems=stems), inventory)
            if named.docs:
                out.append(named)
        return out

    def _by_meaning(self, subject: Subject, inventory: Inventory) -> Subject:
        """The subject with the article its name means (see `_uses_name`). Not a part of the
        name: "architecture firms" in "engineering/architecture firms" would be Architects."""
        doc = self.titled_by_meaning(subject.name)
        if doc is None or not self._uses_name(doc, subject.name, inventory):
            return subject
        return replace(subject, docs=(doc,), known=True)

    def _uses_name(self, doc: str, name: str, inventory: Inventory) -> bool:
        """The article uses every word of the name that the library knows, or a word of its
        title begins with it ("tech" for technologists): a "horse trainer" is not Athletic
        Trainers, however near in meaning."""
        title = words_of(inventory.titles.get(doc, "").lower())
        keyword = self.reader().keyword
        return all(
            any(t.startswith(word) for t in title) or keyword.contains_all([word], doc)
            for word in (w.lower() for w in words_of(name) if inventory.knows(w))
        )

    def _subject_over_words(self, analysis: Analysis, history: Sequence[Turn]) -> Analysis:
        """A follow-up whose conversation has a subject (read from the turns by titles,
        aliases and meaning) is about that subject, not about the words condense carried from
        the turns before: after "been a line cook for 6 years" and "how do people usually move
        up into restaurant managment?", "is there a certification i should get?" is about food
        service managers, not about the words "restaurant managment line cook" (which name
        cooks too). Without a subject, the carried words stand. One that compares two careers
        of its own is a new question ("network admin vs cybersecurity analyst ...?" after a
        real estate comparison); so is one that names a subject the library lacks."""
        plain = self._subjects(condense_question(analysis.query.asked), history)
        own = [s for s in plain.covered if s.docs and not s.carried]
        if plain.comparison and len(own) >= 2:
            return plain  # careers of its own, compared: not a follow-up
        if plain.missing:
            # it names what the library lacks ("whats the pass rate for CFA level 1? ... if its
            # worth it for a financial analyst job" after a comparison of two careers): refused
            # by that name, never answered with the earlier careers' figures
            return plain
        # MEASURED (answerability's held-out folds, fact coverage / refusal recall / false
        # refusals): only where the carried words led elsewhere than the subject, 0.8371 /
        # 0.774 / 0.019; whenever there is a subject, 0.8395 / 0.774 / 0.019 (conversations:
        # five answers better, three worse)
        return plain if any(s.carried and s.docs for s in plain.subjects) else analysis

    def titled_by_meaning(self, text: str) -> str | None:
        """The article whose title `text` means, when one clearly does (answer/titles.py)."""
        return self.title_meanings().nearest(self.embed_query(text))

    def title_meanings(self) -> TitleMeanings:
        """Every article title's vector, made once per index generation (1.6 s for 353 titles:
        `warm` makes them before the first follow-up needs them)."""
        reader = self.reader()
        # questions racing the warm-up wait for its one build
        return self._titles.get(reader.generation, lambda: self._build_titles(reader))

    def _build_titles(self, reader: IndexReader) -> TitleMeanings:
        embed = self._query_embeddings().embed_documents
        return TitleMeanings.build(reader.inventory().titles, embed)

    def gatherer(self) -> Gatherer:
        """Candidate gathering over the live generation (one reader for the whole question)."""
        searcher = self.searcher()
        return Gatherer(searcher.reader, searcher, self.embed_query)

    def score(self, analysis: Analysis, hits: list[Hit], idf: dict[str, float]) -> list[ScoredUnit]:
        """Every unit of these hits, scored once by words and meaning."""
        # every retriever mode scores units the same way: the modes differ in retrieval only
        vectors = self.reader().unit_vectors([h.chunk.chunk_id for h in hits])
        qv = self.embed_query(analysis.query.text)  # cached: gathering embedded it already
        return score_units(analysis, hits, idf, qv, vectors, inventory=self.reader().inventory())

    def idf(self, query: Query) -> dict[str, float]:
        return self.word_stats(query)[0]

    def word_stats(self, query: Query) -> tuple[dict[str, float], dict[str, int]]:
        """Rarity (idf) of the query's stems, and how many articles hold each."""
        reader = self.reader()
        terms = list(dict.fromkeys(query.focus + query.context))
        df = reader.keyword.doc_freq(terms) if terms else {}
        return idf_weights(terms, lambda _: df, reader.count()), df

    def answerability(self) -> AnswerabilityModel | None:
        """The fitted answer-or-refuse model for this embedding and word pipeline, if any."""
        if self._answerability is None:
            found = load_model(model_versions(self.settings))
            self._answerability = (found,)
        return self._answerability[0]

    @contextlib.contextmanager
    def _one_generation(self, reader: IndexReader | None = None) -> Iterator[IndexReader]:
        """Every stage of the question this thread works on reads one index generation
        (`reader`, else the live one): a flip between stages would score one generation's
        hits with another's vectors, and the pointer is looked at once per question, not
        once per stage."""
        pinned = getattr(self._question, "reader", None)
        if pinned is not None:
            yield pinned  # already inside a question: its generation
            return
        self._question.reader = reader if reader is not None else self.reader()
        try:
            yield self._question.reader
        finally:
            self._question.reader = None

    def prepare(self, question: str, history: Sequence[Turn] = ()) -> Prepared:
        """Analyse, retrieve, score units once, rank, and let the composer decide, all over
        the generation that was live when the question came."""
        with self._one_generation() as reader:
            return replace(self._prepare(question, history), reader=reader)

    def _prepare(self, question: str, history: Sequence[Turn]) -> Prepared:
        query = self.condense(question, history)
        analysis = self.analyse(query, history)
        tabled = self.facts_table(analysis)
        if tabled is not None:
            return Prepared(query=query, analysis=analysis, hits=[], scored=[], draft=tabled)
        gatherer = self.gatherer()
        candidates = gatherer.candidates(analysis)
        n = len(candidates)
        following = gatherer.continuations(candidates)
        pool = candidates + list(following.values())  # continuations last, never ranked
        idf, df = self.word_stats(analysis.query)  # analysed: expansions and corrections count
        scored = self.score(analysis, pool, idf)
        ranked_units = [s for s in scored if s.hit < n]
        ranking = rank_hits(analysis, candidates, ranked_units, idf)
        order = with_each_subject_hit(analysis, candidates, ranking, self.settings.top_k)
        order = with_figure_hit(analysis, candidates, order, ranking, ranked_units)
        continued = {i: n + k for k, i in enumerate(following)}
        order = with_continuations(pool, order, continued)
        hits = [pool[i] for i in order]
        place = {old: new for new, old in enumerate(order)}
        units = [s.moved(place[s.hit]) for s in scored if s.hit in place]
        if hits and max(h.dense for h in hits) < MIN_DENSE and not analysis.covered:
            units = []  # nothing in the library is even near the question, nor named by it
        draft, values, decision = self.decide(analysis, hits, units, df)
        return Prepared(
            query=query,
            analysis=analysis,
            hits=hits,
            scored=units,
            draft=draft,
            ranking=tuple(candidates[i] for i in ranking),
            signals=values,
            decision=decision,
        )

    def decide(
        self, analysis: Analysis, hits: list[Hit], units: list[ScoredUnit], df: dict[str, int]
    ) -> tuple[Draft, dict[str, float], Decision | None]:
        """The composer's draft under the refusal rules and without them, and the fitted
        decision between the two (when a model fits this index); with what it weighed and
        what the model said (None when the rules decided)."""
        draft = compose(analysis, hits, units)
        # the rules only ever refuse: a draft they let answer is the free one too
        free = compose(analysis, hits, units, guarded=False) if units and draft.refused else draft
        values = signals(analysis, hits, units, draft, free, df)
        model = self.answerability()
        if model is None or not units:
            return draft, values, None
        vector = self.style_vector(analysis.query) if model.style_coef else []
        values = model.with_style(values, vector)
        decision = model.decision(values)
        if keeps_answer(draft, hits, analysis, self.reader().sections_by_heading()):
            decision = replace(decision, named_section=True)
        return decided(draft, free, decision.answers, analysis), values, decision

    def suggest(self, prepared: Prepared) -> tuple[str, ...]:
        with self._one_generation(prepared.reader):
            return suggest_follow_ups(
                prepared.query, prepared.hits, prepared.draft, self.searcher(), self.reader()
            )

    def refuse(self, prepared: Prepared) -> Answer:
        """The refusal for a prepared question: what the library lacks, by name, and the
        nearest subjects it does cover; the general topics line when nothing is near."""
        with self._one_generation(prepared.reader):
            return self._refuse(prepared)

    def _refuse(self, prepared: Prepared) -> Answer:
        draft = prepared.draft
        if not prepared.scored:  # off-topic: nothing in the library is near the question
            return self.refusal(prepared.query.text)
        nearest = list(dict.fromkeys(h.chunk.title for h in prepared.hits))[:NEAREST_SUBJECTS]
        text = draft.text or NO_DIRECT_ANSWER
        passages = draft.passages if draft.text and draft.passages else (paragraph(text),)
        asked = subject_questions(prepared.analysis, nearest, self.searcher())
        offer = None
        said = passages
        lead = OFFER_LEAD.get(draft.verdict)
        if lead and nearest:
            # the text names every nearest subject; the offer, those a question answers
            line = Quote(text=f"{lead} {', '.join(nearest)}.")
            last = passages[-1]
            said = (*passages[:-1], replace(last, quotes=(*last.quotes, line)))
            topics = tuple(Topic(title=t, question=q) for t, q in asked)
            offer = Offer(lead=lead, topics=topics) if topics else None
        return Answer(
            text=passages_text(said),
            passages=passages if offer else said,
            citations=draft.citations,
            follow_ups=tuple(q for _t, q in asked),
            offer=offer,
            refused=True,
            question=prepared.query.text,
            retrieved=tuple(h.chunk for h in prepared.hits),
        )

    # -- public API ----------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        answer = None
        for event in self.stream(question, history):
            if event.kind == "answer":
                answer = event.answer
        assert answer is not None
        return answer

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        trace: Callable[[Prepared], None] | None = None,
    ) -> Iterator[Event]:
        """Events: `status` while working, `token`s of the answer text, then one `answer`.
        `trace` receives what was decided before the text (the evals read the ranking there)."""
        history = clip_history(history)  # no caller's history can make a request slow
        early = self.check(question)
        if early is not None:
            yield from spell(early.text)
            yield Event("answer", answer=early)
            return
        yield Event("status", "Searching the sources…")
        prepared = self.prepare(question, history)
        if trace is not None:
            trace(prepared)
        if prepared.draft.refused:
            refusal = self.refuse(prepared)
            yield from spell(refusal.text)
            yield Event("answer", answer=refusal)
            return
        answer = yield from self.answerer.stream(prepared)
        if answer.refused:  # the model found no answer in the sources
            yield Event("answer", answer=self.refusal(prepared.query.text))
            return
        if prepared.draft.table is None:
            answer = replace(answer, follow_ups=self.suggest(prepared))
        yield Event("answer", answer=answer)

    # -- the library: browsing and comparing (advisor/library/catalog.py) -------------------------
    def library(self) -> Library:
        """The live generation's grouped outline, facts tables and related careers; built once
        per index generation and shared by every caller."""
        reader = self.reader()
        return self._libraries.get(reader.generation, lambda: library_from_reader(reader))

    def compare(self, doc_ids: Sequence[str]) -> Comparison:
        """2-4 articles' facts tables side by side, every cell cited (ValueError otherwise)."""
        return self.library().compare(doc_ids)

    def facts_table(self, analysis: Analysis) -> Draft | None:
        """One outcome of a comparison: 2-4 careers with facts tables named by a request to
        compare them ("compare electricians and plumbers") get the tables side by side, every
        cell cited; else None, and the comparison is answered by quoting each side."""
        names = compared_names(analysis.query.text) if analysis.comparison else None
        if names is None:
            return None  # cheap checks first: the library is built once per generation
        doc_ids = self.library().compared_docs(names)
        if doc_ids is None:
            return None
        comparison = self.compare(doc_ids)
        table = comparison_table(comparison)
        return Draft(text=table.text, table=table, citations=comparison.citations)


def _topics_line(outline: Sequence[tuple[str, str, str, str]]) -> str:
    """The refusal naming the first articles of the library, by title."""
    titles = sorted({title for _, title, _, _ in outline})
    shown = ", ".join(titles[:5]) + (
        f" and {len(titles) - 5} more articles" if len(titles) > 5 else ""
    )
    return REFUSAL.format(
        topics=f"the articles in my library: {shown}" if titles else "career topics",
        example="What does an engineering director do?",
    )


def _names_in(text: str, subjects: Sequence[Subject]) -> bool:
    """Some subject is named in the text, in the words it was found by."""
    stems = {stem(w) for w in words_of(text)}
    return any(set(s.as_typed) <= stems for s in subjects)


def _untitled(subject: Subject, inventory: Inventory) -> bool:
    """A subject of the question's own that no title names, in two words or more (some of
    which the library uses), but not one of the library's own names; `_uses_name` then holds
    the article it means to every word the library knows."""
    if subject.docs or subject.carried or len(subject.name.split()) < 2:
        return False  # one word is a job's own name: a title would say it if it were about it
    if not any(inventory.knows(w) for w in subject.name.split()):
        return False
    return all(tuple(p) != subject.stems for _, _, p in inventory.match(list(subject.stems)))


def _names_unknown(query: Query, inventory: Inventory) -> bool:
    """The question's own subject words hold one the library never uses, long enough to name
    something ("locksmith", not "tho"): a subject of its own, which the library lacks."""
    return any(len(w) >= MIN_NAME_LENGTH and not inventory.knows(w) for w in query.subject.split())
