"""The domain's word lists, written as plain words, each with what it is for: data only. Code
that needs stems derives them once (advisor/text/terms.py); the question classifiers that read them
live in advisor/text/cues.py. Nothing here is tuned to a particular question."""

from __future__ import annotations

# Stop words: function words and question filler that say nothing about a subject. They are
# left out of BM25, word rarity and matching ("tell", "want", "help" frame a request).
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at
    be because been before being below between both but by can could did do
    does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off
    on once only or other our ours ourselves out over own same she should
    so some such than that the their theirs them themselves then there these they
    this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours yourself yourselves
    tell much many get got go going want know like also may might must
    shall one ones thing things help please""".split()  # noqa: SIM905
)

# Question-frame words: filler around a question ("ok", "usually", "tell me more") that names
# neither its subject nor what is asked about it. Never carried from turn to turn.
FRAME_WORDS = frozenset(
    """tell more explain describe detail details question questions answer difference
    different usually typically actually really normally generally kind kinds type types sort
    ok okay hmm well thanks thank good great cool right sure yes yeah gotcha anything
    something else mean means exactly supposed worth interested curious thinking considering
    looking wondering planning trying wants wanted rather maybe instead switching gears
    topic new another also still just stuff honestly though moving move moved keep like
    pretty bit lot little guess think feel someone people mentioning aimed whether back ago
    ll ve re toward later soon sister brother wife
    husband friend son daughter mom dad partner""".split()  # noqa: SIM905
)

# Aspect words: what a question asks about any subject (pay, schooling, exams, duties). A
# follow-up made only of these ("how many credit hours do you need to get licensed?") is
# about the conversation's subject; "what about X?" carries them over to the new subject X.
ASPECT_WORDS = frozenset(
    """pay pays paid earn earns earning salary salaries wage wages make makes income money
    compensation cost costs fee fees price tuition expensive cheap afford take takes long
    time year years month months week weeks hour hours day days need needs require requires
    required requirement requirements prerequisite prerequisites eligible eligibility
    qualify qualifications lead leads role roles report reports job jobs title titles
    position career work working duties duty responsibilities tasks outlook growth demand
    future openings become becoming get start started starting path steps step process
    school schooling program programs degree degrees course courses class classes credit
    credits college grad graduate undergrad training train exam exams test tests license
    licensed licensing licence certification certifications certificate certified credential
    credentials renew renewal expire skills skill experience internship apprenticeship
    residency study studies cover covers topics subjects concentration specialization
    specializations track option options help helps better best first typical full part
    time""".split()  # noqa: SIM905
)

# Topic-switch markers: the user says the subject changes ("different question - I'm also
# looking at X", "hmm, what about X instead?"); the new subject replaces the old one.
SWITCH_PHRASES: tuple[str, ...] = (
    "different question", "another question", "new question", "switching gears",
    "switch gears", "changing topic", "change of topic", "different topic", "on another note",
    "changing subject", "change of subject", "different subject",
    "unrelated", "instead", "also looking at", "also considering",
    "more interested in", "interested in", "rather", "moving into", "move into",
    "switch to", "switching to", "transition to", "transitioning to", "get into",
)  # fmt: skip

# Follow-ups that ask the previous question again, about a new subject ("what about X?").
SAME_QUESTION_PHRASES: tuple[str, ...] = ("what about", "how about", "and for", "same for")

# Words that point back to something said before ("do they", "that one", "a full-time one").
ANAPHORA: frozenset[str] = frozenset(
    """they them their theirs it its this that these those he she his her him one ones
    there""".split()  # noqa: SIM905
)
# "that" opens a clause of its own, and points back at nothing, between a word that neither
# asks nor helps (ASKING_VERBS) and the clause's subject: "what does a director do that a
# manager doesn't?"; and after an indefinite ("anything that makes applying easier").
# "is that a growing field?" points back.
CLAUSE_SUBJECTS = frozenset(
    """a an the i you we they he she my your our their his her if""".split()  # noqa: SIM905
)
ASKING_VERBS = frozenset(
    """is was are were isn wasn aren does did would will can could should""".split()  # noqa: SIM905
)
INDEFINITES = frozenset(
    """anything everything something nothing anyone everyone someone""".split()  # noqa: SIM905
)

# Openers of a sentence that adds to the one before it ("In addition, most employers require
# plumbers to have a driver's license."): it answers less on its own than the sentence it adds to.
CONTINUATION_OPENERS: tuple[str, ...] = (
    "in addition", "additionally", "also", "moreover", "furthermore", "besides", "however",
    "still", "even so", "otherwise", "likewise", "similarly",
)  # fmt: skip

# Words that set two things against each other in one sentence ("The CSM and the PSM I cover
# the same framework but differ in how they are earned."): a unit naming both sides of a
# comparison with one of these compares them; one naming both without ("Speech-language
# pathologists work with ... audiologists") only mentions the other.
COMPARING_WORDS = frozenset(
    "but while whereas unlike than differ differs difference differences instead more less".split()  # noqa: SIM905
)

# Words of a heading or lead-in that say its table is about other subjects than the article's
# ("Similar Occupations", "... in the top industries", "The largest employers of X"), and words
# of a question that asks for those. Matched as whole words: "industrial" is no industry.
OTHER_SUBJECT_WORDS = ("similar occupations", "industries", "employers")
ASKS_OTHERS_WORDS = (
    "similar", "related", "other", "industries", "industry", "employers", "employ", "employs",
)  # fmt: skip

# Career-domain equivalents: words people use interchangeably in career questions. A question
# word missing from a source still counts (at a discount) when an equivalent is there, and the
# keyword search also looks for the equivalents.
EQUIVALENT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("earn", "salary", "pay", "wage", "compensation", "income", "make"),
    ("job", "role", "position", "occupation", "career", "title"),
    ("long", "year", "month", "duration", "hour", "minute"),
    ("cost", "fee", "tuition", "price"),
    ("certification", "certified", "credential"),
    ("boss", "report"),
    ("renew", "lapse", "expire", "maintain", "recertification"),
    ("issue", "award", "grant", "administer", "offer"),
    ("exam", "test", "assessment"),
    ("class", "course", "coursework"),
    ("path", "progression", "ladder", "route"),
    ("grow", "growth", "outlook", "demand"),
)

# Ordinals: "the second one" points into the previous answer's list; -1 is its last item.
ORDINALS: dict[str, int] = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8,
    "last": -1,
}  # fmt: skip
# Nouns that may follow an ordinal ("the third option"), singular; a plural "s" is allowed.
ORDINAL_NOUNS: tuple[str, ...] = (
    "one", "item", "option", "point", "step", "role", "certification", "specialization",
    "path", "thing", "track", "program", "choice",
)  # fmt: skip

# Attribute cue words: which attribute of a subject a question asks for. Single words match
# by stem ("salaries" ~ "salary"); phrases match as whole words in order.
ATTRIBUTE_CUES: dict[str, tuple[str, ...]] = {
    "comparison": (
        "vs", "versus", "compare", "compared", "comparison", "difference", "differ",
        "better", "worse", "which is", "or should",
    ),
    "cost": ("cost", "fee", "price", "tuition", "expensive", "cheap", "afford", "how much does it cost"),
    "pay": (
        "pay", "paid", "salary", "earn", "wage", "income", "compensation",
        "how much do", "how much does", "make a year", "make per", "make an hour",
        "make annually", "actually make", "usually make", "typically make",
    ),
    "outlook": ("outlook", "growth", "grow", "demand", "future", "prospects", "openings", "projected to"),
    "duration": ("how long", "duration", "years", "months", "weeks", "hours", "quick", "fast"),
    "requirements": (
        "need", "require", "requirement", "prerequisite", "eligible", "eligibility",
        "qualify", "qualification", "must", "necessary", "license", "licensed",
    ),
    "steps": ("become", "steps", "how to", "how do i", "path", "get into", "transition", "move into", "process"),
    "duties": ("duties", "responsibilities", "tasks", "day to day", "typical day", "do all day"),
    "definition": ("what is", "what's", "what are", "mean", "meaning", "define", "definition", "stand for"),
}  # fmt: skip
# When cues of several attributes occur, the first in this order wins: a comparison frames
# whatever is compared; cost and pay are specific figures; outlook before duration, as "openings
# each year" counts jobs, not time; the generic "what is" comes last.
ATTRIBUTE_ORDER: tuple[str, ...] = tuple(ATTRIBUTE_CUES)

# Injection patterns: attempts to change or reveal the advisor's instructions. Each needs the
# advisor's own instructions as its object ("your rules", "the system prompt"), so ordinary
# questions ("Should I act as a tech lead first?", "can I override my manager's rules?",
# "pretend interviews") pass. Matched against the question's words joined by single spaces.
_OWNER = r"(?:your|previous|prior|above|earlier|preceding|system|initial|original|hidden|secret)"
_ORDERS = (
    r"(?:instructions?|prompts?|rules|guidelines|directives|programming|guardrails"
    r"|restrictions|constraints|policies|policy)"
)
_AI = r"(?:ai|assistant|chatbot|bot|model|llm|gpt|chatgpt|dan|unrestricted|jailbroken|evil)"
_FILLER = r"(?:[^ ]+ ){0,3}"  # up to three words between the verb and its object
INJECTION_PATTERNS: tuple[str, ...] = (
    # ignore / forget / override your (previous) instructions
    rf"\b(?:ignore|disregard|forget|override|bypass|skip) {_FILLER}{_OWNER} {_FILLER}?{_ORDERS}\b",
    rf"\b(?:ignore|disregard|forget) (?:all|any|every) (?:of )?{_ORDERS}\b",
    # reveal the system prompt / your instructions
    # ("the instructions for the PE exam" are an exam's: only "your ..." or the prompt's own
    # names are the advisor's)
    rf"\b(?:print|reveal|show|repeat|output|display|dump|leak|share|tell me|give me|what are"
    rf"|what is|what s|write out|recite) {_FILLER}(?:your {_FILLER}?(?:prompt|instructions"
    rf"|rules you follow)|(?:your|the) {_FILLER}?(?:system|initial|hidden) prompt)\b",
    r"\b(?:system prompt|developer message|developer mode|dan mode|do anything now)\b",
    # a jailbreak aimed at the assistant ("What is a jailbreak in iOS security?" is a question)
    r"\bjailbreak:|\b(?:enable|enter|activate|start|begin|use) jailbreak\b"
    r"|\bjailbr(?:eak|oken) (?:mode|you|yourself|this (?:ai|assistant|bot|chat)"
    r"|the (?:ai|assistant|bot|model|chatbot))\b",
    # "your rules are suspended", "IMPORTANT SYSTEM UPDATE"
    rf"\b{_ORDERS} (?:are|is|have been|has been|were) (?:now |hereby |temporarily )?"
    r"(?:suspended|lifted|void|disabled|removed|revoked|cancelled|canceled|overridden|off)\b",
    rf"\b{_ORDERS} no longer apply\b",
    r"\b(?:important|urgent|new|critical) (?:system|admin|developer|security) "
    r"(?:update|message|notice|instruction|instructions|override)\b",
    r"^(?:system|admin|developer|assistant)(?: message| note| update)?:",
    r"\bnew instructions\b|\bupdated instructions\b",
    # role changes aimed at the assistant
    r"\byou are now (?:a |an |in |no longer |free |unrestricted |dan\b)",
    r"\bfrom now on you (?:are|will|must|should|can|have)\b",
    rf"\b(?:act|behave|respond|roleplay|role play) as (?:if you (?:have|had|were|are) no"
    rf"|(?:an? |my |the )?{_FILLER}{_AI}\b)",
    rf"\bpretend (?:that )?(?:you are|you re|to be) (?:an? |my )?{_FILLER}(?:{_AI}\b|without"
    r"|not bound|free of|no longer)",
    r"\b(?:you have no|without any|not bound by) (?:rules|restrictions|guidelines|filters)\b",
)
# "make" asks about pay when a question ends with it ("what do electricians make?"), not
# elsewhere ("what makes a good manager?", "does NCEES make applying easier?")
EARNING_ENDS = frozenset({"make", "makes"})


# -- the answer guard (advisor/answer/analysis.py) ---------------------------------------------------

# Chat words: neither subjects nor content. An unknown one is not a name the library lacks
# ("kinda worried", "tbh"); FRAME_WORDS and ASPECT_WORDS are never subjects either.
CASUAL_WORDS = frozenset(
    """ok okay hmm hey hi hello thanks thank pls plz kinda sorta gonna wanna gotta tbh imo idk
    lol btw yeah yep nope anyway anyways basically actually really realistically honestly
    literally super pretty stuff thing things guys folks curious wondering nvm eh""".split()  # noqa: SIM905
)

# Capitalised words that are everyday words, not names of a subject (a country, a pronoun
# in capitals): never a subject the library must name.
COMMON_CAPITALS = frozenset(
    """US USA UK EU IT OK AM PM TV ID I""".split()  # noqa: SIM905
)
# Pieces of contractions ("I'll" -> "I", "ll"): never names.
CONTRACTION_PIECES = frozenset("""ll ve re s d m t""".split())  # noqa: SIM905

# The kind of figure a question asks for, by its words: an answer must then quote a figure of
# that kind (money for pay or a fee, a number for a count or an age, a time for a duration).
# Only explicit asks count: "what makes a good manager" asks for no money.
FIGURE_WORDS: dict[str, frozenset[str]] = {
    "money": frozenset(
        """salary salaries wage wages income paycheck compensation paid pay pays cost costs
        fee fees price prices tuition""".split()  # noqa: SIM905
    ),
    "percent": frozenset("""percentage percent share""".split()),  # noqa: SIM905
    # not "median" or "average": they qualify whatever figure the question is about
    "number": frozenset("""openings age ages score scores""".split()),  # noqa: SIM905
}
# "earn" and "money" ask for an amount only with a verb of earning: "earn the CAPM" and
# "control the money" do not.
FIGURE_PHRASES: tuple[tuple[str, str], ...] = (
    (r"\bhow much (?:\w+ ){0,4}(?:make|makes|earn|earns|get|gets|charge|charges|cost|costs)\b", "money"),
    (r"\b(?:money|earn|earns)\b[^.?!]{0,40}\b(?:make|makes|earn|earns|get|gets|year|hour)\b", "money"),
    (r"\b(?:make|makes|made|earn|earns|earned)\s+(?:around|about|over|under|roughly|like|only)?\s*\$?\d", "money"),
    # "what do plant managers actually make?": "make" last, as in EARNING_ENDS, up to six
    # words after "what do"
    (r"\bwhat (?:do|does|did|would|will|can|could) (?:[\w'’-]+ ){1,6}(?:make|makes|earn|earns)\W*$", "money"),
    (r"\bwhat (?:percentage|percent|share)\b", "percent"),
    # a rate of growth is a percentage; "how fast can I become a nurse" stays a time
    (r"\bhow (?:fast|quickly)\b[^.?!]{0,120}?\b(?:grow|grows|growing|growth|expand|expanding|decline|declining|shrink|shrinking)\b|\bgrowth rate\b", "percent"),
    (r"\bhow many\b|\bnumber of\b|\bhow old\b|\bminimum age\b", "number"),
    (r"\bhow long\b|\bhow much time\b|\btakes? (?:\w+ ){0,2}time\b|\bhow many (?:years|months|weeks|hours)\b", "time"),
)  # fmt: skip
# -- Suggested follow-ups (advisor/answer/suggest.py) ------------------------------------------------

# Words the follow-up templates add to frame a question ("How long does the PMP exam take?",
# "Is the work of an electrician dangerous?"); a source that answers need not use them.
SUGGESTION_FRAME_WORDS = frozenset(
    [
        "long",
        "take",
        "takes",
        "hold",
        "dangerous",
        "difference",
        "compare",
        "like",
        "cover",
        "covers",
        "article",
        "say",
    ]
)

# Verbs of embedded-question headings ("Why a PE license matters", "How MEM specializations
# work"): the word the direct question builds its "do/does" around.
SUGGESTION_VERBS = frozenset(
    [
        "work",
        "matter",
        "differ",
        "mean",
        "take",
        "pay",
        "change",
        "compare",
        "vary",
        "grow",
        "fit",
        "apply",
        "cost",
        "require",
        "need",
        "last",
        "help",
        "lead",
        "affect",
        "earn",
        "start",
        "end",
        "happen",
        "look",
        "count",
        "belong",
        "move",
        "report",
        "relate",
    ]
)

# Headings that introduce or close an article rather than answer a question.
SUGGESTION_SKIP_HEADINGS = (
    "key takeaways",
    "summary",
    "considering",
    "source",
    "contact",
    "more information",
    "related",
    "introduction",
    "conclusion",
)
