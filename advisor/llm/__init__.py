"""Optional LLM backends: `chat` (any LangChain chat model or OpenAI-compatible server, its
reply checked against the sources; `make_answerer` picks it or the quoting answerer) and
`local` (a small model from disk)."""
