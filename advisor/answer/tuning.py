"""Every number that shapes an answer, in one place, each marked FITTED (by which script, on
which data), MEASURED (the figures that chose it) or HAND-SET (why this value). The stages
import them from here; bounds on input sizes live in advisor/limits.py."""

from __future__ import annotations

from dataclasses import dataclass


# Unit scoring (advisor/answer/scoring.py). The weights of `Weights`: words, meaning, chunk,
# subject and attribute FITTED by `evals/fit_weights.py`; aspect, continues and opens MEASURED
# with its cases (MRR on both halves); the others HAND-SET, each for the reason beside it.
@dataclass(frozen=True)
class Weights:
    """How much each feature adds to a unit's score. Fitted by `evals/fit_weights.py` on the
    training split (see README "Answer quality"); the reason for each value is beside it."""

    # words / meaning / chunk / subject / attribute: fitted by `evals/fit_weights.py` on half
    # of mixed-dev + project + dev (175 questions, split by id hash); "the best unit is a good
    # one" 0.54 -> 0.58 on that half and 0.48 -> 0.49 on the held-out half (hand-set weights
    # before: 1.0 / 1.2 / 0.5 / 0.4 / 0.3). Re-fitted since by MRR with the newer features:
    # weights fitted on either half lower the other half's MRR or leave it, so these stay.
    words: float = 0.6  # share of the question's rarity-weighted words the unit (and its list
    # lead-in or neighbour, at half weight) contains: exact wording still matters, less than meaning
    meaning: float = 1.8  # cosine of question and unit vector; it is what finds paraphrases
    # ("dying trade" ~ "projected to decline") that share no word with the question
    chunk: float = 1.0  # cosine of question and the whole chunk: the unit's context counts
    aspect: float = 0.2  # share of the words of what the question asks that are not its
    # subjects' names or their articles' titles ("nights" in "do water treatment plant
    # operators have to work nights?"): inside a subject's article every unit names the
    # subject, so these words tell its units apart. Chosen with fit_weights' cases: 0.2 raises
    # MRR on both halves (0.654 -> 0.662 train, 0.664 -> 0.668 held-out, top-1 unchanged);
    # 0.3 and above lower held-out, as the words count twice
    heading: float = 0.4  # share of the aspect words the unit's heading path says, whether or
    # not the unit does: a section whose heading asks the question ("Number of engineering
    # manager jobs and where they work") answers it, where an overview sentence elsewhere may
    # share every word ("This guide groups the certifications by four goals: ... manufacturing
    # and operations quality ..."). MEASURED, session 20 (docs/evaluation.md), 0.2 -> 0.4:
    # chosen by the round trip, the check nobody fits on: article headings answered from
    # their own section 0.899 -> 0.911, OOH 0.980 -> 0.986; at 0.2 the seed's "Engineering
    # Management Landscape Overview", a suggested follow-up, was answered from another
    # article's lead-in (2.31 against 2.30 at 0.2; 2.50 for its own at 0.4). The labelled
    # sets lean the other way by about one question (held out 0.8630 -> 0.8623 fact
    # coverage, refusal unchanged; whole sets two answers fewer). Session 10 had chosen 0.2
    # (bank-train 0.585 -> 0.588 from 0; one suggested follow-up off its section at 0.4).
    section: float = 0.4  # the aspect model's probability that the question asks what the
    # unit's section answers (answer/aspects.py: "is that job shrinking though?" -> outlook,
    # and a "Job Outlook" section answers outlook), read from the question's meaning where the
    # words say it in ways no list holds. MEASURED with the aspect model fitted without the set
    # it is measured on (held out by set; hit@5 / fact coverage / refusal recall / false
    # refusals), 0 -> 0.4: mixed-dev 0.955/0.786/0.90/0.034 -> 0.966/0.798/0.90/0.022,
    # bank-train 0.863/0.588/0.787/0.052 -> 0.872/0.594/0.745/0.047, bank-train-2
    # 0.775/0.475/0.717/0.075 -> 0.812/0.494/0.674/0.062; at 0.6 and 0.8 coverage rises on
    # bank-train-2 (0.51, 0.54) but refusal recall falls (0.70 -> 0.57), as units of the
    # asked section answer near-misses too
    subject: float = 0.2  # the unit (or its article) is about every subject the question names
    # (the composer also filters by subject, so the score needs only a nudge)
    source: float = 0.15  # a follow-up's unit from an article the previous answer cited
    # ("what kind of degree do most people start with?" after the PE steps): conversations go
    # on where they were; less than the words a question adds, so a new aspect can still win
    attribute: float = 0.15  # the unit carries the kind of figure asked for (money for pay);
    # the composer also requires one, so this only orders units that all carry one
    lead: float = 0.05  # a list answers more fully than one sentence: lists win ties
    wants: float = 0.3  # a lead-in naming the plural thing asked for ("certifications such as:")
    dangling: float = -0.3  # a lead-in whose list is not in this chunk answers nothing
    other_rows: float = -0.4  # rows of a table about other subjects (similar occupations,
    # employing industries), and the table's lead-in, unless the question asks for those
    templated: float = -0.3  # a sentence the site repeats on many articles with only the name
    # changed ("Compare the job duties ... of actors with similar occupations."): page furniture
    # whose words fit many questions; a penalty, not a ban, as a repeated fact ("typically need
    # a bachelor's degree") can still be the answer
    continues: float = -0.15  # a sentence that opens by adding to the one before it ("In
    # addition, most employers require plumbers to have a driver's license.") answers less on
    # its own than the one it adds to ("Most states ... require plumbers to be licensed.").
    # fit_weights' MRR is flat from 0 to -0.3 (0.673 / 0.663) and no eval set moves: a
    # tie-breaker between sentences that share the question's words alike
    opens: float = 0.15  # for "what does X do?": share of the question's
    # words among the unit's first words. The sentence that opens with its topic ("An
    # engineering director leads multiple teams") defines it; one naming it later in passing
    # ("Engineering Manager: They ... Engineering Director: ...") compares. fit_weights' cases:
    # MRR 0.676 -> 0.678 train, 0.658 -> 0.666 held out; flat from 0.1 to 0.4
    elsewhere: float = -0.3  # HAND-SET. The unit's section is a parallel one about another
    # acronym: its heading is a sibling's with the question's acronym swapped ("CAPM
    # eligibility requirements" beside "PMP eligibility requirements" for "what are the PMP
    # eligibility requirements?"). Its sentences may name the asked one in passing ("simpler
    # than PMP eligibility"); the section is about another. It fires on 9 of the 911 labelled
    # questions and changes none of their answers, so no fit can choose it: the value is the
    # penalty that puts the asked section first in those cases. Any heading naming another
    # acronym instead (not only a parallel one) lowered held-out refusal recall (bank-train-2
    # 0.61 -> 0.57) and refused "after I pass the FE, does NCEES just send me my EIT ...?"
    # ("The typical path to a PE license" was penalised)
    headline: float = 0.3  # the aspect model's probability for a fact-table row of a
    # subject's article (an OOH Summary's "Job Outlook, 2024-34: 19%") whose figure the
    # sentence repeats: "Employment of financial examiners is projected to grow 19% ..." is
    # the headline fact for outlook, and its drivers ("Demand ... has risen") are not.
    # MEASURED (session 15, answerability's held-out folds, fact coverage / refusal recall /
    # false refusals): 0 -> 0.8255 / 0.758 / 0.020; 0.15 -> 0.8255 / 0.766 / 0.020; 0.3 ->
    # 0.8268 / 0.766 / 0.020 (the whole sets gain one answer, lose none); 0.6 -> 0.8244 (two
    # bank-train-2 answers quote a headline of the wrong aspect)
    rank: float = 0.04  # retrieval order as a tie-breaker


WEIGHTS = Weights()

# HAND-SET: how much of a question word's weight a unit earns when the word is not in the unit
# itself. Its list lead-in or neighbouring sentence says it: half (the context is read with
# the unit, less surely about it). Its heading path says it: 0.3 for the words share, as the
# heading covers every unit of the section alike.
NEAR_CREDIT = 0.5
HEADING_CREDIT = 0.3

# HAND-SET: how many words open a unit ("what does X do?" is answered by the sentence that
# opens with X).
OPENING_WORDS = 5  # "An engineering director leads": an article and a three-word name

# HAND-SET: chunk ranking (advisor/answer/scoring.py rank_hits).
# Chunk ranking: best unit, plus how the retrievers placed it, plus a title that names the
# question's words, plus (for prose) how close the chunk is in meaning to the best one.
RANK_FUSED = 0.5
RANK_TITLE = 0.3
RANK_DENSE = 2.0
RANK_SUBJECT_DOC = 0.4  # an article whose title names the subject beats pages that mention it
RANK_PREVIOUS_SOURCE = 0.2  # a follow-up goes on in the article the previous answer cited
# (half the subject bonus: the question's own words still decide)

# MEASURED: a conversation turn that names no title or alias is about an article by meaning
# (advisor/answer/titles.py) when the turn's vector is this near the article's title and this
# much nearer than the next title. Over the questions without history of mixed-dev +
# bank-train + bank-train-2, judged by their labelled `sources`: at 0.6 / 0.1 the nearest title
# is a source for 52 of 55 answerable questions above the bar (15 of the 18 that name no title
# or alias), with 6 unanswerable ones above it; at 0.5 / 0.03, 44 of 59 that name none. Chosen
# on all three sets (not by folds): two numbers, read off one table.
# The same bar titles a subject of two words or more that no title or alias names
# ("network admin" -> Network and Computer Systems Administrators; Advisor._titled_subjects),
# not re-chosen for names: over the labelled sets, held out, fact coverage 0.815 -> 0.817 with
# refusal recall unchanged (0.645); "financial planner" passes it for Financial Managers at
# exactly 0.10, a near miss of the bar that decides nothing labelled.
# And it titles a kind of a head many titles share that no title names ("restaurant
# management" -> Food Service Managers; Advisor._family_members), not re-chosen either: held
# out 0.8365 / 0.782 / 0.019 -> 0.8371 / 0.774 / 0.019 (one answer better; the refusal that
# moved is a medical-residency near-miss at the decision's bar, which every refit moves).
TITLE_MEANING = 0.6
TITLE_MARGIN = 0.1

# MEASURED: the question-style signal (answer/answerable.py) reads the question's vector
# without its part along the nearest article titles' vectors, so that it learns how a
# question asks, not which careers have near-misses among the labelled questions (it had
# learnt that PMP questions are refused: "What are the PMP eligibility requirements?" was).
# Held out (answerability's folds, 911 questions; the signals of the session-14 start),
# fact coverage / refusal recall / false refusals with 0 / 1 / 3 / 5 / 10 titles taken out:
# 0.820 / 0.742 / 0.023, 0.822 / 0.750 / 0.022, 0.823 / 0.758 / 0.020, the same, 0.823 /
# 0.766 / 0.020. With today's signals, 0 -> 10: 0.821 / 0.758 / 0.023 -> 0.823 / 0.758 / 0.020.
# Fitted over the whole library (354 titles); over a small one (corpus/ alone, 11) ten
# titles span nearly all it covers, so the signal reads a different part of the question.
STYLE_TOPICS = 10

# HAND-SET: when a name of several words counts as named (advisor/answer/scope.py).
# A name of several words counts as named when its words stand within this many extra words
# of each other: one, for a coordination ("civil and construction engineers")
NAME_SLACK = 1

# HAND-SET: credit for a career-domain equivalent of a question word ("earn" ~ "wage"):
# nearly the word itself, a little less so the question's own wording wins ties.
EQUIVALENT_CREDIT = 0.8

# Candidates (advisor/answer/gather.py): RERANK_CANDIDATES MEASURED (see below); the others
# HAND-SET.
# Fused retrieval results whose units are scored (subject articles and fact tables come on
# top). 12 -> 10 changed no answer's fact coverage on mixed-dev, project or dev, raised the
# project set's hit@1 (0.68 -> 0.70) and ooh-dev's coverage (0.972 -> 0.974), and scores a
# sixth fewer units; 8 lowers mixed-dev hit@1 (0.70 -> 0.69).
RERANK_CANDIDATES = 10
FACT_TABLE_DOCS = 3  # leading documents whose fact tables join the candidates
# Articles a subject names (title "Electricians" for "electricians") join the candidates with
# their chunks closest in meaning to the question: retrieval alone often ranks pages that
# merely mention the subject above the page about it.
SUBJECT_DOCS = 3
SUBJECT_DOC_CHUNKS = 3
# A section whose own heading the question names in full ("What are the Specializations &
# Industries?") joins the candidates with its chunk closest in meaning, and an answer quoting
# it stands whatever the fitted decision says (answerable.keeps_answer): a heading of at least
# this many content words, on at most NAMED_HEADING_DOCS articles (a heading on more is a
# template's, "Work Schedules", whose page only the subject can choose).
NAMED_HEADING_WORDS = 2
NAMED_HEADING_DOCS = 3
PER_SUBJECT_HITS = 4  # a comparison's extra search per side
CONTINUED_HITS = 2  # the top hits whose list goes on into the next chunk bring that chunk

# HAND-SET: carried words in a follow-up (advisor/answer/condense.py).
# How much carried words count when choosing sentences: in full when the question has at most
# one word of its own ("who do they report to?"); partly when it says more ("is it good
# forever or do I have to renew it?"): then its own words must choose the sentence.
CARRIED_WEIGHT = 1.0
SHARED_WEIGHT = 0.4
FRAME_WEIGHT = 0.4  # the previous question's aspect words carried to "what about X?"
# A turn naming at least this many words of an item of the previous answer's list (and most
# of them) goes on about that answer: one shared word is too often chance ("manager").
ITEM_NAMED_WORDS = 2

# The composer (advisor/answer/compose.py): the support measure and MIN_SUPPORT MEASURED (the
# refusal trade-off below); the shares HAND-SET, each for the reason beside it.
MAX_ITEMS = 10
# HAND-SET on a measured curve: the most sentences a prose answer quotes (the best one, the
# one its "This ..." points back to, and companions with the ones they point back to). Fact coverage rises with every sentence
# allowed (answerability's held-out folds, 911 questions: 3 -> 0.841, 4 -> 0.860, 5 -> 0.870,
# 6 -> 0.880; refusal recall 0.766 at each; session 20, before the title-initials change and
# its refit), so coverage cannot choose it; length can. Quoted
# words per answer (median over bank-train, bank-train-2, mixed-dev): 61, 75, 90, 104. At 4
# the added sentence comes from a labelled source article as often as the first three do
# (86-90% on bank-train and mixed-dev, 72% on bank-train-2); the answer stays a short
# paragraph. The gain is not only on questions that ask two things: one-sentence questions
# gain as much (whole sets, 0.758 -> 0.779 against 0.672 -> 0.713 for two-sentence ones).
MAX_SENTENCES = 4
# HAND-SET: a list longer than this many words shows each item's first sentence: a list of
# specialties written as paragraphs ("Geologists study ... They investigate ...") runs to 250
# words whole; its names and first sentences answer "what kinds of X are there?" in about
# 150. Shorter lists stay whole: the PE steps (about 150 words) say in a second sentence
# what a first leaves open ("Many boards accept other degrees only with ...").
MAX_LIST_WORDS = 180
# Refusal measure (never a ranking bonus): how well the best quoted unit answers the question
# by its words and by its meaning. An answer needs MIN_SUPPORT or more. Most unanswerable
# questions are refused by the subject guard and the off-topic gate before this; on its own the
# measure refuses 6% of unanswerable and 3% of answerable questions at 0.29, 25% and 5% at 0.35
# (`evals/fit_weights.py` over mixed-dev + project + dev), so the bar sits low.
SUPPORT_WORDS = 0.5
SUPPORT_MEANING = 0.5
MIN_SUPPORT = 0.31
NAMED_SUPPORT = MIN_SUPPORT  # see _named_support
# A list whose lead-in names the plural thing asked for answers "what certifications ...?"
# when it scores this share of the best unit (a sentence naming one of them).
WANTED_LIST_SHARE = 0.85
# A second unit joins the answer when it scores this share of the best one.
COMPANION_SHARE = 0.75
# A fact-table row joins a prose answer when it scores this share of the best unit and holds
# the figure asked for or this share of the question's words beyond its subject's name (the
# row label "Typical Entry-Level Education" for "what level of education is needed").
ROW_SHARE = 0.6
ROW_ASPECT = 0.4
# HAND-SET: ... or, for a Quick Facts row (named by what it states), when the aspect model finds
# the question more likely than not to ask it ("is speech recognition killing it?" -> outlook
# -> "Job Outlook, 2024-34: -5% (Decline)"), where no word of the question names the row; the
# subject's Summary then joins the hits if the ranking left it out (gather.with_figure_hit).
# MEASURED (answerability's held-out folds, six sets; fact coverage / refusal recall / false
# refusals): 0.805 / 0.661 / 0.023 -> 0.815 / 0.645 / 0.022; bank-train fact coverage 0.605 ->
# 0.633; two near-misses flipped by the refitted decision. 0.7 gave 0.808 with the row alone.
ROW_SECTION = 0.5
# Picking each side of a comparison, the question's words beyond the subjects' names count on
# top of the score ("which has the higher median?": the median line, not the percentiles):
# every unit of a side names that side, so those words are what tell its units apart.
COMPARE_ASPECT = 0.6

# MEASURED: the off-topic gate (advisor/advisor.py), and HAND-SET: how many nearest topics a
# refusal offers.
# Off-topic gate: a question that names nothing the library covers, and whose closest chunk is
# this far in meaning, is not about careers. On mixed-dev (354 articles) off-topic questions'
# closest chunk scores 0.20-0.25 and answerable ones 0.31 or more; a small library scores lower
# for everything ("Is Lean Six Sigma worth getting?" 0.18 over the seed alone), which is why a
# subject the library names lifts the gate.
MIN_DENSE = 0.27
NEAREST_SUBJECTS = 3

# HAND-SET: one row or item answers by itself when it scores this much above the next one
# ("2024 Median Pay: ..." for "what do X make?") and near the best unit (compose._select).
ONE_ROW_MARGIN = 1.5
ONE_ROW_SLACK = 0.05
ONE_ROW_SHARE = 0.6
# HAND-SET: two quotes sharing more than this share of their stems say the same thing: one is
# enough (compose._similar).
SIMILAR_STEMS = 0.6
# HAND-SET: how far back a follow-up that names no titled subject looks for the conversation's
# (advisor/answer/analysis.py conversation_subjects): condense's own reach (MAX_TURNS).
MAX_HISTORY_SUBJECT_TURNS = 6
# HAND-SET: the shortest unknown word read as the name of a subject of the question's own
# (Advisor.analyse): chat words and slang run shorter ("tho", "nvm"); the inventory's typo
# correction uses the same floor (MIN_TYPO_LENGTH).
MIN_NAME_LENGTH = 5
