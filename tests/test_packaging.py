"""Packaging: every import of the installed code comes from a declared dependency, and the
Makefile installs only what each command needs."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from .conftest import ROOT

SOURCES = [ROOT / "advisor", ROOT / "ui", ROOT / "evals"]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(specs: list[str]) -> set[str]:
    return {_norm(re.split(r"[<>=!~;\[ ]", s, maxsplit=1)[0]) for s in specs}


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(module-level, function-level) top-level names of absolute imports in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top: set[str] = set()
    lazy: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        target = top if node.col_offset == 0 else lazy
        target.update(n.split(".")[0] for n in names)
    return top, lazy


def test_every_import_is_a_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = _requirements(project["dependencies"])
    extras = {e: _requirements(v) for e, v in project["optional-dependencies"].items()}
    dists = packages_distributions()
    missing = []
    for folder in SOURCES:
        for path in folder.rglob("*.py"):
            top, lazy = _imports(path)
            for names, allowed in ((top, core), (lazy, core.union(*extras.values()))):
                for name in sorted(names):
                    if name in sys.stdlib_module_names or name in ("advisor", "__future__"):
                        continue
                    provided = {_norm(d) for d in dists.get(name, [name])}
                    if not provided & allowed:
                        missing.append(f"{path.relative_to(ROOT)}: {name} ({', '.join(provided)})")
    assert not missing, "imports without a declared dependency:\n" + "\n".join(missing)


def test_runtime_dependencies_that_no_import_shows_are_declared():
    # jusText imports lxml.html.clean (a separate package since lxml 5.2); torch needs onnx to
    # export the model for the default ONNX query backend. A plain install lacked both paths.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {"lxml-html-clean", "onnx", "onnxruntime"} <= _requirements(project["dependencies"])


def _make_dry_run(target: str, tmp_path: Path) -> str:
    done = subprocess.run(
        ["make", "-n", "-C", str(ROOT), f"VENV={tmp_path / 'venv'}", target],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize(
    ("target", "spec"), [("run", "-e ."), ("test", '-e ".[test,llm,local-llm]"')]
)
def test_make_installs_what_the_command_needs(target, spec, tmp_path):
    out = _make_dry_run(target, tmp_path)
    installs = [line for line in out.splitlines() if "pip install" in line and "-e" in line]
    assert len(installs) == 1 and installs[0].rstrip().endswith(spec), installs
    assert "torch==2.13.0" in out  # the CPU wheel first, either way
