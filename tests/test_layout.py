"""The layout stays readable: no import cycle between modules (imports inside functions included), no folder of
more than 12 modules, no module longer than 300 lines (README, Architecture; the layers are import-linter
contracts in pyproject.toml)."""
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("lucine_chatbot", "bench", "tests")
MAX_MODULES_PER_FOLDER = 12  # .py files, __init__.py included
MAX_LINES_PER_MODULE = 300


def cycles(graph):
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    imports = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], 0
    for root in sorted(imports):
        if root in index:
            continue
        work = [(root, iter(imports[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(imports[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_of_the_package_is_in_an_import_cycle():
    graph = grimp.build_graph("lucine_chatbot", cache_dir=None)
    assert cycles(graph) == []


@pytest.mark.parametrize("top", CHECKED)
def test_no_folder_holds_more_than_twelve_modules(top):
    crowded = {str(folder.relative_to(ROOT)): count for folder in [ROOT / top, *(ROOT / top).rglob("*")]
               if folder.is_dir() and folder.name != "__pycache__"
               and (count := len(list(folder.glob("*.py")))) > MAX_MODULES_PER_FOLDER}
    assert crowded == {}


@pytest.mark.parametrize("top", CHECKED)
def test_no_module_is_longer_than_three_hundred_lines(top):
    long = {str(path.relative_to(ROOT)): lines for path in (ROOT / top).rglob("*.py")
            if (lines := len(path.read_text("utf-8").splitlines())) > MAX_LINES_PER_MODULE}
    assert long == {}
