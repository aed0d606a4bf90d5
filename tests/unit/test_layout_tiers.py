"""The fast tier (`make test-fast`, `-m "not integration"`) stays in this process: a test that
starts a process, directly or through a helper of its own module, carries the `integration`
marker, so that `make test` runs it in the second tier."""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
# What starts a process here: subprocess and the shared helpers that wrap it (moto's server).
STARTS_A_PROCESS = re.compile(
    r"\bsubprocess\.(run|Popen|check_output|check_call)\b|\brun_cli\(|\bs3_server\("
)


def _marks_integration(decorators: list[ast.expr]) -> bool:
    return any("integration" in ast.unparse(decorator) for decorator in decorators)


def _module_marked(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets
        ):
            return "integration" in ast.unparse(node.value)
    return False


def unmarked_process_tests(path: Path, root: Path = TESTS) -> list[str]:
    source = path.read_text()
    tree = ast.parse(source)
    if _module_marked(tree):
        return []
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    helpers = {
        node.name
        for node in functions
        if not node.name.startswith("test_")
        and STARTS_A_PROCESS.search(ast.get_source_segment(source, node) or "")
    }
    calls_helper = re.compile(rf"\b({'|'.join(map(re.escape, helpers))})\(") if helpers else None
    found = []
    for node in functions:
        if not node.name.startswith("test_") or _marks_integration(node.decorator_list):
            continue
        body = ast.get_source_segment(source, node) or ""
        if STARTS_A_PROCESS.search(body) or (calls_helper and calls_helper.search(body)):
            found.append(f"{path.relative_to(root)}::{node.name}")
    return found


def test_every_test_that_starts_a_process_is_in_the_integration_tier():
    unmarked = [
        name
        for path in sorted(TESTS.rglob("test_*.py"))
        if path != Path(__file__).resolve()  # its sample's text names subprocess
        for name in unmarked_process_tests(path)
    ]
    assert not unmarked, "mark these @pytest.mark.integration:\n" + "\n".join(unmarked)


def test_the_check_finds_an_unmarked_process_test(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "import subprocess\n\n"
        "def _run():\n    return subprocess.run(['true'])\n\n"
        "def test_a():\n    _run()\n\n"
        "def test_b():\n    pass\n"
    )
    assert unmarked_process_tests(sample, tmp_path) == ["test_sample.py::test_a"]
