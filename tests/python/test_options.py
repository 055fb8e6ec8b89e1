"""The engine's option objects (``ReadOptions``, ``ScanOptions``, ``SourceOptions``): defaults defined once in C++,
every assignment checked there, errors typed and naming the option, a readable repr; the wrappers take their
defaults from them."""

from __future__ import annotations

import inspect
import math

import pytest
from typer.testing import CliRunner

import arrow_sus
from arrow_sus import remote
from arrow_sus._native import _core
from arrow_sus._options import READ_DEFAULTS, SCAN_DEFAULTS, SOURCE_DEFAULTS, make_options
from arrow_sus.cli import app
from arrow_sus.errors import InvalidArgumentError


def test_defaults_are_the_engines() -> None:
    assert _core.ReadOptions().to_dict() == {
        "batch_size": 65536,
        "use_threads": True,
        "encoding": "latin-1",
        "decimals": "float",
        "raw": False,
        "large_strings": False,
        "on_invalid": "null",
        "on_truncated": "raise",
        "keep_deleted": False,
    }
    assert _core.ScanOptions().to_dict() == {
        "schema": "union",
        "cache": True,
        "cache_format": "ipc-uncompressed",
        "cache_dir": "",
        "ordered": True,
        "max_concurrent_files": 0,
        "with_source": False,
        "verify_crc": True,
    }
    source = _core.SourceOptions()
    assert (source.max_connections, source.connect_timeout, source.timeout, source.max_attempts) == (3, 20.0, 30.0, 6)
    assert (source.initial_backoff, source.max_backoff, source.list_command) == (0.5, 30.0, "LIST")


@pytest.mark.parametrize(
    ("cls", "values", "message"),
    [
        (_core.ReadOptions, {"batch_size": 0}, "batch_size must be between 1 and 2^30, got 0"),
        (_core.ReadOptions, {"on_invalid": "skip"}, "on_invalid must be one of 'null', 'raise', not 'skip'"),
        (_core.ReadOptions, {"on_truncated": "x"}, "on_truncated must be one of 'raise', 'warn'"),
        (_core.ReadOptions, {"decimals": "double"}, "decimals must be one of 'float', 'exact'"),
        (_core.ReadOptions, {"encoding": "ebcdic"}, "encoding must be one of 'latin-1', 'cp850', 'cp1252', 'utf-8'"),
        (_core.ReadOptions, {"batch_size": "big"}, "batch_size must be an int, got 'big' (str)"),
        (_core.ReadOptions, {"colour": 1}, "ReadOptions has no option 'colour' (options: batch_size, "),
        (_core.ScanOptions, {"schema": "outer"}, "schema must be one of 'union', 'intersection', 'strict'"),
        (
            _core.ScanOptions,
            {"cache_format": "csv"},
            "cache_format must be one of 'ipc', 'parquet', 'ipc-uncompressed'",
        ),
        (_core.ScanOptions, {"max_concurrent_files": -1}, "max_concurrent_files must be >= 0"),
        (_core.SourceOptions, {"max_connections": 0}, "max_connections must be >= 1, got 0"),
        (_core.SourceOptions, {"connect_timeout": -1}, "connect_timeout must be a number of seconds >= 0, got -1"),
        (_core.SourceOptions, {"timeout": math.nan}, "timeout must be a number of seconds >= 0, got nan"),
        (_core.SourceOptions, {"max_attempts": 0}, "max_attempts must be >= 1"),
        (_core.SourceOptions, {"list_command": "NLST"}, "list_command must be one of 'LIST', 'MLSD'"),
    ],
)
def test_bad_values_are_typed_errors_naming_the_option(cls, values, message) -> None:
    with pytest.raises(InvalidArgumentError) as error:
        cls(**values)
    assert str(error.value).startswith(message)
    ((name, value),) = values.items()
    options = cls()
    with pytest.raises(InvalidArgumentError if name in options.to_dict() else AttributeError):
        setattr(options, name, value)
    assert options == cls()  # a rejected assignment changes nothing


def test_assignment_and_replace_check_and_copy() -> None:
    options = _core.ReadOptions(batch_size=10, raw=1)
    assert (options.batch_size, options.raw) == (10, True)  # yes/no options take any value by its truth
    options.encoding = "CP850"
    assert options.encoding == "cp850"  # stored as the engine names it
    changed = options.replace(keep_deleted=True)
    assert changed.keep_deleted and not options.keep_deleted
    assert changed != options and changed.replace(keep_deleted=False) == options
    with pytest.raises(TypeError):
        hash(options)  # mutable


def test_repr_lists_every_option_and_round_trips() -> None:
    for cls in (_core.ReadOptions, _core.ScanOptions, _core.SourceOptions):
        options = cls()
        text = repr(options)
        assert text.startswith(cls.__name__ + "(")
        assert all(f"{name}=" in text for name in options.to_dict())
        assert eval(text, {cls.__name__: cls}) == options
    assert "batch_size=65536, use_threads=True, encoding='latin-1'" in repr(_core.ReadOptions())


def test_wrappers_take_their_defaults_from_the_options() -> None:
    """One definition of each default: the wrappers' signatures show the engine's."""
    for function in (arrow_sus.read_dbc, arrow_sus.open_dbf, arrow_sus.scan):
        parameters = inspect.signature(function).parameters
        for name in ("batch_size", "decimals", "on_invalid", "on_truncated", "keep_deleted", "raw"):
            assert parameters[name].default == getattr(READ_DEFAULTS, name), (function.__name__, name)
    scan_parameters = inspect.signature(arrow_sus.scan).parameters
    for name in ("schema", "cache", "ordered", "with_source", "max_concurrent_files", "verify_crc"):
        assert scan_parameters[name].default == getattr(SCAN_DEFAULTS, name), name
    assert scan_parameters["max_connections"].default == SOURCE_DEFAULTS.max_connections
    source_parameters = inspect.signature(remote.open_source).parameters
    for name in ("max_connections", "connect_timeout", "timeout", "max_attempts", "initial_backoff", "list_command"):
        assert source_parameters[name].default == getattr(SOURCE_DEFAULTS, name), name


def test_the_source_keeps_its_options() -> None:
    source = remote.open_source("file:///nonexistent", max_attempts=2, timeout=1.5)
    assert source.options == _core.SourceOptions(max_attempts=2, timeout=1.5)


def test_make_options_leaves_out_what_is_not_given() -> None:
    assert make_options(_core.ReadOptions, batch_size=None, raw=True) == _core.ReadOptions(raw=True)


def test_wrappers_raise_the_engines_errors_in_the_callers_terms(tmp_path) -> None:
    with pytest.raises(InvalidArgumentError, match=r"^batch_size must be between 1 and 2"):
        arrow_sus.read_dbf(b"", batch_size=0)
    with pytest.raises(InvalidArgumentError, match=r"^max_connections must be >= 1"):
        remote.open_source("file:///nonexistent", max_connections=0)
    dbf = tmp_path / "x.dbf"
    dbf.write_bytes(b"")
    result = CliRunner().invoke(app, ["convert", str(dbf), "-o", str(tmp_path / "x.parquet"), "--batch-size", "0"])
    assert result.exit_code == 2
    assert "--batch-size must be between 1 and 2^30, got 0" in result.output
