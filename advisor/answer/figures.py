"""Figures in text: whether a unit holds a figure of the kind a question asks for (money, a
number, a time, a percentage), and its value, so two sides of a comparison can be weighed."""

from __future__ import annotations

import re
from functools import lru_cache

_FIGURES = {
    "money": re.compile(r"\$\s?\d"),
    # a count or an amount, not a year ("In May 2024, ..." holds no figure of its own) and not
    # a percentage ("the number of jobs is expected to rise by 4%" counts no jobs)
    "number": re.compile(
        r"\b(?!(?:19|20)\d\d\b)\d[\d,.]*\b(?![\d,.]*\s?(?:%|percent))|\b(?:one|two|three|four|five|six|seven|eight|nine|"
        r"ten|dozens?|several|hundreds|thousands)\b",
        re.I,
    ),
    "time": re.compile(
        r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|a|several|few)[\s-]+"
        r"(?:to\s+\w+\s+)?(?:and\s+\w+\s+)?(year|month|week|day|hour|minute)s?\b",
        re.I,
    ),
    "percent": re.compile(r"\d\s?(%|percent)"),
}


@lru_cache(maxsize=32768)
def figure_kind(text: str, kind: str) -> bool:
    """The text holds a figure of this kind (money, number, time, percent). A count is not a
    year or a percentage:

    >>> figure_kind("there were about 212,500 such jobs in 2024", "number")
    True
    >>> figure_kind("the number of such jobs is expected to rise by 4% by 2034", "number")
    False
    >>> figure_kind("employment grows 4.5 percent", "number")
    False
    """
    return bool(_FIGURES[kind].search(text))


_VALUE = {
    "money": re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)"),
    "percent": re.compile(r"(-?\d+(?:\.\d+)?)\s?(?:%|percent)"),
    "number": re.compile(r"\b(?!(?:19|20)\d\d\b)(\d[\d,]*(?:\.\d+)?)\b"),
}
_DAYS = {"year": 365.0, "month": 30.0, "week": 7.0, "day": 1.0, "hour": 1 / 24, "minute": 1 / 1440}
_WORD_NUMBERS = dict(
    zip(
        ["a", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
        [1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        strict=True,
    )
)


def figure_value(text: str, kind: str) -> float | None:
    """The first figure of a kind as a number, durations in days; None when there is none.

    >>> figure_value("2024 Median Pay: $62,340 per year", "money")
    62340.0
    >>> figure_value("Number of Jobs, 2024: 818,700", "number")
    818700.0
    >>> figure_value("a time limit of 3 hours", "time")
    0.125
    """
    if kind == "time":
        m = _FIGURES["time"].search(text)
        if not m:
            return None
        amount = m.group(1).lower()
        n = float(amount) if amount.isdigit() else _WORD_NUMBERS.get(amount)
        return None if n is None else n * _DAYS[m.group(2).lower()]
    m = _VALUE[kind].search(text)
    return float(m.group(1).replace(",", "")) if m else None


# An amount of money, a percentage or a count of thousands, as a fact table and a sentence
# both write it ("Number of Jobs, 2024: 75,300" and "held about 75,300 jobs")
_STATED = re.compile(
    r"(?P<money>\$\s?\d[\d,]*(?:\.\d+)?)|(?P<percent>\d+(?:\.\d+)?(?=\s?(?:%|percent)))"
    r"|(?P<number>\b\d{1,3}(?:,\d{3})+\b)"
)


@lru_cache(maxsize=32768)
def stated_figures(text: str) -> frozenset[tuple[str, str]]:
    """The amounts, percentages and counts a text states, with their kinds, written alike
    whatever the sign or spacing.

    >>> sorted(stated_figures("Job Outlook, 2024-34: -13% (Decline); $62,340 per year"))
    [('$62,340', 'money'), ('13', 'percent')]
    >>> sorted(stated_figures("projected to decline 13 percent; about 75,300 jobs"))
    [('13', 'percent'), ('75,300', 'number')]
    """
    return frozenset(
        (m.group().replace(" ", ""), m.lastgroup or "") for m in _STATED.finditer(text)
    )
