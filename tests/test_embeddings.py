"""The embedding backends agree: ONNX Runtime (fp32 and int8) against sentence-transformers."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.embeddings import load_embeddings, token_counter

pytestmark = pytest.mark.slow

TEXTS = [
    "Engineering managers lead teams and budgets.",
    "The PMP requires 35 hours of project management education.",
    "Certified ScrumMaster",
    "A much longer passage " * 80,
]


def test_token_counter_matches_the_model_tokenizer():
    count = token_counter()
    assert count("engineering manager") == 2
    assert count("A much longer passage " * 80) > 256  # no truncation when counting


# int8 trades some accuracy for speed: the README reports what it does to retrieval
@pytest.mark.parametrize(("backend", "floor"), [("onnx", 0.999), ("onnx-int8", 0.8)])
def test_onnx_backends_agree_with_torch(backend, floor, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    reference = np.array(load_embeddings("", "torch").embed_documents(TEXTS))
    other = load_embeddings.__wrapped__("", backend)  # a fresh instance inside tmp cache
    got = np.array(other.embed_documents(TEXTS))
    assert got.shape == reference.shape
    cosines = (got * reference).sum(1)
    assert cosines.min() >= floor, cosines
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    # int8 scales activations per batch, so one text alone differs a little from in a batch
    single = np.array(other.embed_query(TEXTS[0]))
    assert float(single @ got[0]) >= (0.9999 if backend == "onnx" else 0.95)
