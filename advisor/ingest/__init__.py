"""Loading: files in, chunks out, into a new index generation. `loaders/` parses Markdown, text,
HTML and PDF (in a sandboxed worker), `chunking` cuts sections into chunks, `boilerplate` finds
site furniture, and `build.ingest` runs it all and flips the live pointer."""
