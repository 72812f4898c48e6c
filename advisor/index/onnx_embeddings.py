"""The ONNX encoder as a LangChain `Embeddings` (`ADVISOR_EMBEDDING_BACKEND=onnx` or
`onnx-int8`); the default backend stays sentence-transformers through langchain-huggingface."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings

from advisor.index.onnx_encoder import OnnxEncoder, cache_path, export

__all__ = ["OnnxEmbeddings", "cache_path", "export"]


class OnnxEmbeddings(OnnxEncoder, Embeddings):
    """Mean-pooled, normalized sentence embeddings from an ONNX export of the model."""
