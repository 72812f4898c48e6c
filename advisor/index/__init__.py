"""The index: what ingest writes and answering reads. `generations` (writer, reader, the live
pointer, leases), `store` (local or server Chroma), `keyword` (SQLite FTS5 chunk table), `bm25`,
`models`, `embeddings`, `onnx_encoder` and `onnx_embeddings` (the model), `unit_vectors`, `inventory` (the library's
subjects and sentence templates), and `retrieval` (dense + BM25 fused; `langchain_retriever`
wraps it for LangChain)."""
