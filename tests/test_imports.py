"""The arrows between the project's modules (docs/CONVENTIONS.md, "Arrows point down"): no
import circles, apps never import `config`, `accounts` knows nothing of the other apps,
`referrals` never imports `notifications`, no app imports `operations` (which reads them),
and the figures and the import take shared form fields from `referrals.formfields`, never
from the pages' `referrals.forms`.

Read from the source with `ast`, imports inside functions included, so that a circle cannot
hide in an import at the bottom of a module or inside a function."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "referrals", "notifications", "operations")
PACKAGES = (*APPS, "config")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }


MODULES = source_files()


def imported(module: str, path: Path) -> set[str]:
    """The project modules `module` imports, resolved to modules where a name is one."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(filter(None, [*anchor, base]))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {name for name in found if name in MODULES}


GRAPH = {module: imported(module, path) for module, path in MODULES.items()}


def test_the_graph_sees_the_imports():
    """The reader resolves relative and absolute imports (or the tests below prove nothing)."""
    assert "referrals.access" in GRAPH["referrals.models.transitions"]
    assert "referrals.enums" in GRAPH["referrals.models.referral"]
    assert "notifications.receivers" in GRAPH["notifications.apps"]  # inside ready()
    assert "accounts.models" in GRAPH["notifications.recipients"]


def test_no_module_imports_itself_through_others():
    circles = []
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(GRAPH[module]):
            if state.get(target) == "open":
                circles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert circles == []


@pytest.mark.parametrize(
    ("importer", "forbidden"),
    [
        ("accounts", "referrals"),
        ("accounts", "notifications"),
        ("referrals", "notifications"),
        # operations reads the outboxes for /health/ and /metrics; no app depends on it
        *((app, "operations") for app in APPS if app != "operations"),
        *((app, "config") for app in APPS),
        ("referrals.reports", "referrals.forms"),
        ("referrals.imports", "referrals.forms"),
    ],
)
def test_arrows_point_down(importer, forbidden):
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module == importer or module.startswith(f"{importer}.")
        for target in targets
        if target == forbidden or target.startswith(f"{forbidden}.")
    )
    assert wrong == []
