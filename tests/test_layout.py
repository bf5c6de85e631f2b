"""The shape of the tree (issue 36): no import circles in trainers/ or ganstudio/ (imports inside functions
counted: a lazy import hides a circle from Python, not from a reader), no source file over 400 lines, and no
branch on a family's name outside that family's own file (code asks a family what it can do)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400


def _sources(package: str) -> dict[str, Path]:
    out = {}
    for p in sorted((ROOT / package).rglob("*.py")):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _imports(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the modules of the tree it imports, anywhere in its body."""
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for m, p in mods.items():
        pkg = m if p.name == "__init__.py" else m.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            else:
                continue
            for t in targets:
                while t and t not in mods:
                    t = t.rsplit(".", 1)[0] if "." in t else ""
                if t and t != m:
                    graph[m].add(t)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_circles():
    for package in ("trainers", "ganstudio"):
        assert _circles(_imports(_sources(package))) == [], package


def test_no_source_file_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for package in ("trainers", "ganstudio")
            for p in _sources(package).values() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_no_branch_on_a_family_name_outside_its_file():
    from trainers.catalog import FAMILY_TITLES

    names = set(FAMILY_TITLES)
    found = []
    for package in ("trainers", "ganstudio"):
        for m, p in _sources(package).items():
            if m.startswith("trainers.models."):
                continue
            for node in ast.walk(ast.parse(p.read_text())):
                if not isinstance(node, ast.Compare):
                    continue
                sides = [node.left, *node.comparators]
                text = ast.unparse(node)
                literals = {c.value for s in sides for c in ast.walk(s) if isinstance(c, ast.Constant)}
                if literals & names and ("family" in text or "model" in text):
                    found.append(f"{p.relative_to(ROOT)}:{node.lineno}: {text}")
    assert found == []
