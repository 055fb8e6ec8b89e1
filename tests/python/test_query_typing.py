"""Type checkers reject an incomplete query before it runs: mypy (--strict) and pyright check snippets that must
pass and snippets that must fail, against the installed arrow_sus (its py.typed package), and the messages name
the stage's missing part (``MonthMissing``...).

Each checker runs once over every snippet (a file each), so the test costs one cold mypy run (~20 s of CPU) and
one pyright run (~4 s)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

#: Snippets every checker must accept.
VALID = {
    "sih_complete": 'Query.sih().group("RD").uf("SP").year(2023).month(1).collect()',
    "sih_ranges": 'Query.sih().group("RD").uf(["SP", "RJ"]).year("2019-2023").all_months().to_arrow()',
    "sia_all_ufs": 'Query.sia().group("PA").all_ufs().year(2023).month(range(1, 7)).scan()',
    "cnes_options": 'Query.cnes().group("ST").uf("SP").year(2023).month(1).columns("CNES").explain()',
    "any_order": 'Query.sih().group("RD").month(1).year(2023).uf("SP").files()',
    "sim_without_uf": 'Query.sim().group("DO").year(2022).collect()',
    "sim_with_uf": 'Query.sim().group("DO").uf("SP").year(2022).to_polars()',
    "sinan": 'Query.sinan().group("DENG").year(2023).stream()',
    "dynamic": 'Query.dataset("po").year(2020).collect()',
    "typed_result": 'table: pa.Table = Query.sim().group("DO").year(2022).to_arrow()\nprint(table)',
}

#: Snippets every checker must reject, with the stage each message must name (the part missing or present).
INVALID = {
    "sih_no_month": ('Query.sih().group("RD").uf("SP").year(2023).collect()', "MonthMissing", "collect"),
    "sih_nothing": ('Query.sih().group("RD").collect()', "UfMissing, YearMissing, MonthMissing", "collect"),
    "sih_no_uf": ('Query.sih().group("RD").year(2023).month(1).scan()', "UfMissing", "scan"),
    "sih_no_year": ('Query.sih().group("RD").uf("SP").month(1).to_arrow()', "YearMissing", "to_arrow"),
    "sim_no_year": ('Query.sim().group("DO").uf("SP").explain()', "YearMissing", "explain"),
    "sim_month": ('Query.sim().group("DO").year(2022).month(1)', "NoMonth", "month"),
    "system_stage": ('Query.sih().uf("SP")', "SystemQuery", "uf"),
}

HEADER = "import pyarrow as pa\nfrom arrow_sus import Query\n\n"


@pytest.fixture(scope="module")
def snippets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("typing")
    for name, code in VALID.items():
        (root / f"valid_{name}.py").write_text(HEADER + code + "\n")
    for name, (code, _, _) in INVALID.items():
        (root / f"invalid_{name}.py").write_text(HEADER + code + "\n")
    return root


def _errors(output: str, pattern: str) -> dict[str, str]:
    """The checker's error messages by snippet file name (several lines of one error joined)."""
    found: dict[str, str] = {}
    current = None
    for line in output.splitlines():
        match = re.search(pattern, line)
        if match:
            current = match.group(1)
            found[current] = found.get(current, "") + line
        elif current and line.startswith(" "):
            found[current] += line
        else:
            current = None
    return found


def _check(errors: dict[str, str], output: str) -> None:
    for name in VALID:
        assert f"valid_{name}.py" not in errors, f"{name} should pass:\n{output}"
    for name, (_, stage, method) in INVALID.items():
        message = errors.get(f"invalid_{name}.py")
        assert message is not None, f"{name} should fail:\n{output}"
        assert stage in message and method in message, f"{name}: {message}"


def test_mypy_rejects_incomplete_queries(snippets: Path) -> None:
    pytest.importorskip("mypy", reason="mypy is in the test extra: pip install '.[test]'")
    command = [sys.executable, "-m", "mypy", "--strict", "--config-file=", "--ignore-missing-imports"]
    command += ["--cache-dir", str(snippets / ".mypy_cache"), "--python-executable", sys.executable, "."]
    result = subprocess.run(command, cwd=snippets, capture_output=True, text=True, timeout=600)
    assert result.returncode in (0, 1), result.stderr
    errors = _errors(result.stdout, r"^(\w+\.py):\d+: error")
    _check(errors, result.stdout)
    # mypy's wording: the stage a method cannot be called on and the stage it needs.
    message = errors["invalid_sih_no_month.py"]
    assert 'Invalid self argument "Query[UfGiven, YearGiven, MonthMissing]" to attribute function "collect"' in message
    assert "Query[UfDone, YearDone, MonthDone]" in message


def _pyright() -> list[str]:
    """The pyright command (its PyPI wheel ships the JavaScript; node must be installed), or a skip."""
    executable = shutil.which("pyright", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    if executable is None:
        pytest.skip("pyright is not installed (it is in the test extra: pip install '.[test]')")
    if shutil.which("node") is None:
        pytest.skip("pyright needs node (tools/setup-system.sh test installs nodejs)")
    return [executable]


def test_pyright_rejects_incomplete_queries(snippets: Path) -> None:
    command = _pyright()
    env = {**os.environ, "PYRIGHT_PYTHON_GLOBAL_NODE": "1"}
    result = subprocess.run(
        [*command, "--pythonpath", sys.executable, "."], cwd=snippets, capture_output=True, text=True, env=env,
        timeout=600,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr
    errors = _errors(result.stdout, r"/(\w+\.py):\d+:\d+ - error")
    _check(errors, result.stdout)
    # pyright's wording: the method, the stage, and the part that is not done.
    message = errors["invalid_sih_no_month.py"]
    assert 'Cannot access attribute "collect" for class "Query[UfGiven, YearGiven, MonthMissing]"' in message
    assert '"MonthMissing" is not assignable to "MonthDone"' in message
