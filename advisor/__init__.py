"""Career Advisor: cited answers to career questions from a local corpus."""

__version__ = "0.1.0"
