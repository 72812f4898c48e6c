"""Count the answering path's hand-written surface: word-list entries, regular expressions and
tuning numbers, per file (issue 20 asks for the counts before and after).

    python -m advisor.evals.surface [PATH ...] [--json out.json]
"""

from __future__ import annotations

import argparse
import ast
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import advisor

PACKAGE = Path(advisor.__file__).resolve().parent
# The answering path: the stages after retrieval and the word data they read (the map in
# docs/architecture.md).
ANSWERING = ("answer", "text", "index/inventory.py", "index/names.py")
# Calls that take a pattern first
_RE_CALLS = frozenset("compile search match fullmatch sub subn findall finditer split".split())  # noqa: SIM905
# What only a pattern says: an escape class, a group construct, a quantifier range
_REGEX_SYNTAX = re.compile(
    r"\\[bBsSdDwW]|\(\?[:=!<]|\{\d+(?:,\d*)?\}|\[\^?[^\]]+\][*+?]"  # classes, groups, ranges
    r"|\.[*+]|\$$|^\^|\w\|\w"  # "what .* do$", "^- ", "a|b"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’.-]*")


@dataclass
class Surface:
    """Hand-written pieces of one file (or a total)."""

    path: str
    word_entries: int = 0  # strings in module-level collections, and words of "...".split()
    regexes: int = 0  # pattern expressions: re.* first arguments and pattern-looking strings
    numbers: int = 0  # numeric constants bound at module or class level (thresholds, weights)

    def add(self, other: Surface) -> None:
        self.word_entries += other.word_entries
        self.regexes += other.regexes
        self.numbers += other.numbers


def _string_parts(node: ast.AST) -> list[str]:
    """The literal text of a string expression: a constant, an f-string's literal parts, or a
    concatenation of those; [] for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string_parts(node.left), _string_parts(node.right)
        return (
            left + right
            if (left or _stringy(node.left)) and (right or _stringy(node.right))
            else []
        )
    return []


def _stringy(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp | ast.Call | ast.Name)


def is_pattern(text: str) -> bool:
    """A string that only a regular expression would say (a named fragment of a larger
    pattern counts on its own).

    >>> is_pattern(r"\\bhow much\\b"), is_pattern("how much"), is_pattern(r"(?:a|b)")
    (True, False, True)
    >>> is_pattern("what .* do$"), is_pattern("pay|salary"), is_pattern("Pay: $62,350")
    (True, True, False)
    """
    return bool(_REGEX_SYNTAX.search(text))


def _split_words(node: ast.AST) -> int | None:
    """Words of a '"a b c".split()' list, or None when the node is not one."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "split"
        and not node.args
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    ):
        return len(node.func.value.value.split())
    return None


def _entries(node: ast.AST) -> int:
    """Word-list entries in a collection literal (nested ones too, dict keys and values); a
    pattern is not a word entry."""
    if (n := _split_words(node)) is not None:
        return n
    if isinstance(node, ast.Call) and node.args:  # frozenset((...)), tuple([...])
        return sum(_entries(a) for a in node.args)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return sum(_entry(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return sum(_entry(k) for k in node.keys if k is not None) + sum(
            _entry(v) for v in node.values
        )
    return 0


def _entry(node: ast.AST) -> int:
    parts = _string_parts(node)
    if parts:
        text = "".join(parts)
        return int(bool(_WORD.search(text)) and not is_pattern(text))
    return _entries(node)


def _patterns(tree: ast.AST, docstrings: set[int]) -> int:
    """Pattern expressions: first arguments of re.* calls that are written out, and string
    expressions elsewhere that only a pattern would say (tables of patterns compiled later)."""
    counted: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr in _RE_CALLS
            and node.args
            and _string_parts(node.args[0])
        ):
            counted.add(id(node.args[0]))
    inner: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp | ast.JoinedStr) and _string_parts(node):
            inner.update(id(n) for n in ast.walk(node) if n is not node)
    for node in ast.walk(tree):
        if id(node) in inner or id(node) in docstrings or id(node) in counted:
            continue
        parts = _string_parts(node)
        if parts and is_pattern("".join(parts)):
            counted.add(id(node))
    return len(counted - inner)


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and _string_parts(first.value):
            out.add(id(first.value))
    return out


def _number(node: ast.AST | None) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    )


def _bindings(tree: ast.Module) -> Iterable[ast.AST | None]:
    """Values bound at module level and in class bodies (dataclass fields with defaults)."""
    for stmt in tree.body:
        yield from _bound(stmt)
        if isinstance(stmt, ast.ClassDef):
            for inner in stmt.body:
                yield from _bound(inner)


def _bound(stmt: ast.stmt) -> Iterable[ast.AST | None]:
    if isinstance(stmt, ast.Assign | ast.AnnAssign):
        yield stmt.value


def count_source(source: str, path: str = "<source>") -> Surface:
    """The surface of one module's source.

    >>> count_source('''
    ... WORDS = ("pay", "salary")
    ... MORE = frozenset("a b c".split())
    ... CUT = re.compile(r"\\\\bhow (?:much|many)\\\\b")
    ... LIMIT = 0.6
    ... class W:
    ...     weight: float = 1.5
    ... ''')
    Surface(path='<source>', word_entries=5, regexes=1, numbers=2)
    """
    tree = ast.parse(source)
    surface = Surface(path, regexes=_patterns(tree, _docstrings(tree)))
    for value in _bindings(tree):
        if _number(value):
            surface.numbers += 1
        elif value is not None:
            surface.word_entries += _entries(value)
    return surface


def count(paths: Sequence[Path]) -> list[Surface]:
    """Per Python file under the paths (sorted), then the total; a path that does not exist
    is an error, not a zero."""
    if missing := [str(p) for p in paths if not p.exists()]:
        raise FileNotFoundError(f"no such file or folder: {', '.join(missing)}")
    files = sorted(
        f for p in paths for f in ([p] if p.is_file() else p.rglob("*.py")) if f.suffix == ".py"
    )
    rows, total = [], Surface("total")
    for f in files:
        base = PACKAGE.parent
        name = str(f.relative_to(base)) if f.is_relative_to(base) else str(f)
        row = count_source(f.read_text(encoding="utf-8"), name)
        rows.append(row)
        total.add(row)
    return [*rows, total]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", type=Path, nargs="*", help="files or folders (default: answering)")
    parser.add_argument("--json", type=Path, help="write the counts here")
    args = parser.parse_args(argv)
    rows = count(args.paths or [PACKAGE / p for p in ANSWERING])
    print(f"{'file':48} {'word entries':>12} {'regexes':>8} {'numbers':>8}")
    for r in rows:
        print(f"{r.path:48} {r.word_entries:12} {r.regexes:8} {r.numbers:8}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
