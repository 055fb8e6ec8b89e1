"""Type stub of the compiled engine (nanobind, ``src/python/``).

The option classes are typed in full, and the functions whose results the typed wrappers return as they are
have their signatures here; the rest of the module (its submodules ``io``, ``cache``... and the functions
returning dicts and lists whose shapes the wrappers document) is ``Any`` to type checkers (a partial stub:
``__getattr__``).
"""

from typing import Any, Literal

def decompress_dbc(data: bytes, verify_crc: bool = True, name: str = "<bytes>") -> bytes: ...
def compress_dbf(data: bytes, dictionary_bits: int = 6, name: str = "<bytes>") -> bytes: ...
def dcl_compress(data: bytes, dictionary_bits: int = 6, coded_literals: bool = False) -> bytes: ...
def dcl_decompress(data: bytes, name: str = "<bytes>") -> bytes: ...
def catalog_version() -> str: ...
def catalog_datasets() -> list[dict[str, Any]]: ...
def catalog_dataset(id: str) -> dict[str, Any] | None: ...

class ReadOptions:
    """How DBF records are read and converted (dbf::ReadOptions); every assignment is checked."""

    batch_size: int
    use_threads: bool
    encoding: str
    decimals: Literal["float", "exact"]
    raw: bool
    large_strings: bool
    on_invalid: Literal["null", "raise"]
    on_truncated: Literal["raise", "warn"]
    keep_deleted: bool
    def __init__(self, **options: Any) -> None: ...
    def replace(self, **changes: Any) -> ReadOptions: ...
    def to_dict(self) -> dict[str, Any]: ...

class ScanOptions:
    """How a multi-file scan runs (scan::ScanOptions); every assignment is checked."""

    schema: Literal["union", "intersection", "strict"]
    cache: bool
    cache_format: Literal["ipc", "parquet", "ipc-uncompressed"]
    cache_dir: str
    ordered: bool
    max_concurrent_files: int
    with_source: bool
    verify_crc: bool
    def __init__(self, **options: Any) -> None: ...
    def replace(self, **changes: Any) -> ScanOptions: ...
    def to_dict(self) -> dict[str, Any]: ...

class SourceOptions:
    """How a source is reached (io::SourceOptions); durations in seconds; every assignment is checked."""

    max_connections: int
    connect_timeout: float
    timeout: float
    low_speed_bytes_per_second: int
    max_attempts: int
    initial_backoff: float
    max_backoff: float
    server_utc_offset_minutes: int
    list_command: Literal["LIST", "MLSD"]
    def __init__(self, **options: Any) -> None: ...
    def replace(self, **changes: Any) -> SourceOptions: ...
    def to_dict(self) -> dict[str, Any]: ...

def open_scan(
    files: list[tuple[str, int | None, int | None, str, str, int | None, int | None]],
    source_url: str,
    read_options: ReadOptions,
    scan_options: ScanOptions,
    source_options: SourceOptions,
    *,
    columns: list[str] | None,
    filter: bytes | None,
    typed: bool,
    labels: str,
    codes_as: str,
    label_language: str,
) -> Any: ...
def open_dbf(
    source: Any,
    name: str,
    read_options: ReadOptions,
    *,
    columns: list[str] | None,
    filter: bytes | None,
    verify_crc: bool,
    dataset: str,
    typed: bool,
    labels: str,
    codes_as: str,
    label_language: str,
) -> Any: ...

open_dbc = open_dbf

def __getattr__(name: str) -> Any: ...
