"""The built wheel, installed as a user would: a fresh venv, binaries only (``--only-binary :all:``), no compiler on
PATH. It must import, load Arrow from the pyarrow wheel (not a copy of its own) and run the main job.

The wheel comes from ``$ARROW_SUS_WHEELHOUSE`` (``tools/build_wheels.py --out DIR``; tools/test.sh builds it
and sets the variable); without it the tests skip. pip fetches pyarrow and the other dependencies from the
package index (or its cache)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import corpus_manifest
from scan_mirror import SIH_DIR

WHEELHOUSE_VARIABLE = "ARROW_SUS_WHEELHOUSE"
#: What a build would need: none of it may be reachable while the wheel is installed and run.
BUILD_TOOLS = ("cc", "c++", "gcc", "g++", "clang", "clang++", "cmake", "ninja", "make", "ld")
#: The only programs on PATH besides the venv's own scripts.
ALLOWED_TOOLS = ("sh", "env", "uname")
MAIN_JOB_FILE = "RDAC2401.dbc"


@dataclass(frozen=True)
class InstalledWheel:
    """A fresh venv holding the wheel, and the environment (PATH without compilers) to run it in."""

    bin: Path
    env: dict[str, str]

    def run(self, *args: str, cwd: Path, **variables: str) -> subprocess.CompletedProcess:
        """Runs one of the venv's programs with more environment ``variables``; fails the test, showing its
        output, when it fails."""
        return run_checked([str(self.bin / args[0]), *args[1:]], {**self.env, **variables}, cwd)


def run_checked(cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """Runs ``cmd``; fails the test, showing its output, when it fails."""
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel() -> Path:
    """The wheelhouse's manylinux wheel for the interpreter running the tests."""
    house = os.environ.get(WHEELHOUSE_VARIABLE)
    if not house:
        pytest.skip(
            f"no wheel to test: build one with `python tools/build_wheels.py --out DIR` and set "
            f"{WHEELHOUSE_VARIABLE}=DIR (tools/test.sh does both)"
        )
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    found = sorted(Path(house).glob(f"arrow_sus-*-{tag}-{tag}-*manylinux_2_*_x86_64*.whl"))
    assert len(found) == 1, f"expected one {tag} manylinux wheel in {house}, found {found}"
    return found[0]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> InstalledWheel:
    """A fresh venv (no system site-packages) with the wheel installed from binaries only, while PATH holds the
    venv's scripts and a few shell tools: no compiler, linker or build system can be found."""
    base = tmp_path_factory.mktemp("wheel-install")
    venv = base / "venv"
    # Without pip of its own: the running pip installs into it (--python), which saves CI a pip bootstrap.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    tools = base / "tools"
    tools.mkdir()
    for name in ALLOWED_TOOLS:
        (tools / name).symlink_to(shutil.which(name))
    # Nothing may lead the venv to the source tree, another site-packages or another copy of a library.
    hidden = {
        "PYTHONPATH",
        "PYTHONHOME",
        "VIRTUAL_ENV",
        "LD_LIBRARY_PATH",
        "LD_PRELOAD",
        "CC",
        "CXX",
        "CMAKE_GENERATOR",
    }
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), str(tools)])
    env["ARROW_SUS_CACHE"] = str(base / "cache")
    probe = f"import shutil; print([t for t in {BUILD_TOOLS} if shutil.which(t)])"
    found = run_checked([str(venv / "bin" / "python"), "-c", probe], env, base)
    assert found.stdout.strip() == "[]", f"build tools reachable on the install PATH: {found.stdout}"
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q", "--no-compile"]
    run_checked([*pip, "--only-binary", ":all:", str(wheel)], env, base)
    return InstalledWheel(venv / "bin", env)


def test_wheel_vendors_curl_and_sqlite_but_not_arrow(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    vendored = [Path(n).name for n in names if n.startswith("arrow_sus.libs/")]
    assert any(n.startswith("libcurl") for n in vendored), vendored
    assert any(n.startswith("libsqlite3") for n in vendored), vendored
    assert not [n for n in names if re.search(r"/lib(arrow|parquet)", n)], "Arrow must come from pyarrow"
    assert any(re.fullmatch(r"arrow_sus/_core\..*\.so", n) for n in names)


def test_wheel_imports_with_arrow_from_the_pyarrow_wheel(installed: InstalledWheel, tmp_path: Path) -> None:
    probe = (
        "import json, os, arrow_sus, pyarrow\n"
        "maps = {line.split()[-1] for line in open('/proc/self/maps') if '.so' in line}\n"
        "print(json.dumps({'package': arrow_sus.__file__, 'pyarrow': os.path.dirname(pyarrow.__file__),\n"
        "                  'libraries': sorted(maps), 'datasets': len(arrow_sus.datasets())}))\n"
    )
    found = json.loads(installed.run("python", "-I", "-c", probe, cwd=tmp_path).stdout)
    assert found["package"].startswith(str(installed.bin.parent)), found["package"]
    assert found["datasets"] > 100
    arrow = [lib for lib in found["libraries"] if re.search(r"/lib(arrow|parquet)[^/]*\.so", lib)]
    assert arrow and all(lib.startswith(found["pyarrow"] + os.sep) for lib in arrow), arrow
    curl = [lib for lib in found["libraries"] if "/libcurl" in lib]
    assert curl and all("/arrow_sus.libs/" in lib for lib in curl), curl


def test_wheel_runs_the_main_job_on_a_corpus_mirror(installed: InstalledWheel, corpus: Path, tmp_path: Path) -> None:
    (expected,) = [f.records for f in corpus_manifest() if f.path.name == MAIN_JOB_FILE]
    mirror = tmp_path / "mirror"
    (mirror / SIH_DIR).mkdir(parents=True)
    (mirror / SIH_DIR / MAIN_JOB_FILE).symlink_to(corpus / MAIN_JOB_FILE)
    args = ["get", "sih-rd", "--uf", "AC", "--year", "2024", "--month", "1", "-o", "rdac2401.parquet", "--json"]
    summary = json.loads(installed.run("arrow-sus", *args, cwd=tmp_path, ARROW_SUS_SOURCE=mirror.as_uri()).stdout)
    assert summary["files"] == 1
    assert summary["rows"] == expected == pq.read_table(tmp_path / "rdac2401.parquet").num_rows
