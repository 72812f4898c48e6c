"""Optional LLM backend (placeholder until the LLM answerer lands): picks a LangChain chat model
from settings. The default product needs none."""

from __future__ import annotations

from advisor.settings import Settings


def make_generator(settings: Settings) -> object | None:
    if not settings.llm and not settings.llm_base_url:
        return None
    raise NotImplementedError("LLM backends are not wired yet")
