"""The matcher's credits: per question word, 1 for the word, EQUIVALENT_CREDIT for an
equivalent, found for many stem sets at once and the same as one set at a time."""

import numpy as np

from advisor.answer.match import Matcher, stem_index
from advisor.answer.tuning import EQUIVALENT_CREDIT
from advisor.text.terms import all_stems

SETS = [
    frozenset(all_stems("The median salary was high")),  # an equivalent of "pay"
    frozenset(all_stems("Pay and salary both")),  # the word and an equivalent: the word wins
    frozenset(all_stems("Electricians install wiring")),  # a compound-free word match
    frozenset(),
]


def _matcher() -> Matcher:
    weights = {st: 1.0 for st in all_stems("electrician pay")}
    return Matcher.build(weights, SETS)


def test_credit_rows_match_the_credits_of_each_set():
    m = _matcher()
    # two blocks, the second's rows numbered on from the first's; two families of sets
    blocks = [(stem_index([SETS[:2], SETS[2:4]]), 2), (stem_index([SETS[2:], SETS[:2]]), 2)]
    got = m.credit_rows(blocks, 2)
    want_first = [m.credits(s) for s in (*SETS[:2], *SETS[2:])]
    want_second = [m.credits(s) for s in (*SETS[2:], *SETS[:2])]
    assert np.array_equal(got[0], np.asarray(want_first))
    assert np.array_equal(got[1], np.asarray(want_second))


def test_the_word_itself_outranks_its_equivalent():
    m = _matcher()
    pay = list(m.weights).index("pai")  # the stem of "pay"
    got = m.credit_rows([(stem_index([SETS]), len(SETS))], 1)[0]
    assert got[0, pay] == EQUIVALENT_CREDIT
    assert got[1, pay] == 1.0
    assert got[3].sum() == 0.0


def test_holding_finds_the_sets_that_hold_a_word():
    m = _matcher()
    blocks = [(stem_index([SETS[:2]]), 2), (stem_index([SETS[2:]]), 2)]
    assert m.holding(blocks, 0, "pai").tolist() == [0.0, 1.0, 0.0, 0.0]
    assert m.holding(blocks, 0, "neverseenword").tolist() == [0.0] * 4
