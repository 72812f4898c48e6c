"""What the fitted models (answer/answerable.py, answer/aspects.py) share: each is stored as
JSON with the versions it was fitted on, and refused when this code has others."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)
Model = TypeVar("Model")


class ModelMismatch(ValueError):
    """The model file was fitted on other versions or features than this code has."""


def read_fitted(text: str, versions: Mapping[str, str]) -> dict[str, Any]:
    """The stored model's fields; ModelMismatch when it was fitted on other versions.

    >>> read_fitted('{"versions": {"embedding": "a"}, "w": 1}', {"embedding": "a"})["w"]
    1
    """
    raw = json.loads(text)
    if raw.get("versions") != dict(versions):
        raise ModelMismatch(f"fitted on {raw.get('versions')}, this code has {dict(versions)}")
    return raw


def load_fitted(
    path: Path, versions: Mapping[str, str], parse: Callable[[str, Mapping[str, str]], Model]
) -> Model | None:
    """The model stored at `path`, or None (and a warning saying why) when there is none or it
    cannot be used: the app then decides without it."""
    if not path.exists():
        return None
    try:
        return parse(path.read_text(encoding="utf-8"), versions)
    except (OSError, ValueError, KeyError, TypeError) as err:  # ModelMismatch is a ValueError
        log.warning("not using the fitted model %s: %s", path, err)
        return None
