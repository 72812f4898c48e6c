"""Optional ONNX Runtime backend for the same model (`ADVISOR_EMBEDDING_BACKEND=onnx` or
`onnx-int8`): exported once from the local weights into a cache folder, then run without torch
in the hot path. The default stays sentence-transformers through langchain-huggingface."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

MAX_TOKENS = 256
BATCH = 32


def cache_path(model_dir: str, quantized: bool) -> Path:
    base = (
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "career-advisor" / "onnx"
    )
    return base / f"{Path(model_dir).name}{'-int8' if quantized else ''}.onnx"


def export(model_dir: str, quantized: bool) -> Path:
    """Write the ONNX file (and its int8 variant) next to nothing the user owns; reused later."""
    out = cache_path(model_dir, quantized)
    if out.exists():
        return out
    import torch
    from transformers import AutoModel, AutoTokenizer

    out.parent.mkdir(parents=True, exist_ok=True)
    fp32 = cache_path(model_dir, False)
    if not fp32.exists():
        model = AutoModel.from_pretrained(model_dir).eval()

        class Hidden(torch.nn.Module):  # named inputs: BERT's positional order varies by version
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.model(
                    input_ids=input_ids,
                    attention_mask=attention_mask,
                    token_type_ids=token_type_ids,
                ).last_hidden_state

        enc = AutoTokenizer.from_pretrained(model_dir)(
            ["an example", "another one here"], padding=True, return_tensors="pt"
        )
        names = ["input_ids", "attention_mask", "token_type_ids"]
        axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]}
        tmp = fp32.with_suffix(f".{os.getpid()}.tmp")  # two processes may export at once
        with warnings.catch_warnings():
            # tracing BERT warns that a shape check becomes a constant: true, and harmless for
            # inputs of any length up to MAX_TOKENS (the vectors match torch's, see tests)
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            # and that indexing with negative indices would export wrongly: BERT indexes its
            # position table with non-negative positions only
            warnings.filterwarnings("ignore", "Exporting aten::index", UserWarning)
            torch.onnx.export(
                Hidden(),
                tuple(enc[n] for n in names),
                str(tmp),
                input_names=names,
                output_names=["hidden"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        tmp.replace(fp32)
    if quantized:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8)
        tmp.replace(out)
    return out


class OnnxEmbeddings(Embeddings):
    """Mean-pooled, normalized sentence embeddings from an ONNX export of the model."""

    def __init__(self, model_dir: str, quantized: bool = False) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = os.cpu_count() or 1
        self.session = ort.InferenceSession(
            str(export(model_dir, quantized)), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()

    def _encode(self, texts: list[str]) -> np.ndarray:
        batch = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in batch], dtype=np.int64)
        mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
        hidden = self.session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding
        vectors: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), BATCH):
            idx = order[start : start + BATCH]
            for i, v in zip(idx, self._encode([texts[i] for i in idx]), strict=True):
                vectors[i] = v.tolist()
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0].tolist()
