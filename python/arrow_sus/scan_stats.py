"""What a scan's pass went through: files, bytes, records, columns — :attr:`arrow_sus.Scan.stats`.

The counters come from the C++ engine and show what the pushed-down projection and filter saved (here on
RDAC2401, SIH-RD Acre January 2024: SEXO is tested on the raw bytes, only IDADE is converted):

>>> s = arrow_sus.scan("sih-rd", uf="AC", year=2024, month=1, columns=["IDADE"],
...                    filters=[("SEXO", "=", "3")], cache=False)   # doctest: +SKIP
>>> s.to_arrow(); s.stats   # doctest: +SKIP
<ScanStats: 1/1 files done (0 from cache) · 4,315 records scanned → 2,554 rows in 1 batch (1,761 filtered out,
0 deleted) · 1 column converted, 0 read from cache · 313.2 kB read, 0 B downloaded>
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from arrow_sus._format import human_bytes


@dataclass(frozen=True)
class ScanStats:
    """Counters of one pass of a :class:`arrow_sus.Scan` (each pass starts them at zero), summed over its
    files. They grow per batch or per file while the pass runs; once it has been read to the end,
    ``rows == records_scanned - deleted_records_skipped - rows_filtered_out``. Headers read while planning
    are not counted. Also readable by key (``stats["rows"]``) and as a dict (:meth:`as_dict`)."""

    #: Files the scan planned (the pass reads them all unless the consumer stops early).
    files_planned: int
    #: Files finished: read to the end, or abandoned when the consumer stopped early.
    files_done: int
    #: Files read from their converted copy in the cache instead of being decoded.
    files_from_cache: int
    #: Bytes fetched from a remote source (0 from a local mirror or the raw cache).
    bytes_downloaded: int
    #: Bytes read from files: the ``.dbc``/``.dbf`` bytes the decoder consumed (local mirror, raw cache or
    #: download) plus those read from converted-cache files (footer and the chunks of the columns decoded).
    bytes_read: int
    #: DBF fields converted to Arrow, summed over the files decoded: with the projection pushed down only
    #: the asked columns (the filter tests its fields on the raw bytes without converting them, except
    #: dates, compared once typed); every column when the conversion is written to the cache.
    columns_converted: int
    #: Columns decoded from converted-cache files (asked plus filter-only), summed over those files.
    columns_read_from_cache: int
    #: Records the pass went through: DBF records read (deleted ones included) and rows of cached files (a
    #: cached file abandoned early counts only the rows it delivered).
    records_scanned: int
    #: Records flagged deleted and dropped (0 with ``keep_deleted=True``).
    deleted_records_skipped: int
    #: Records the native filter rejected: on the raw bytes, after typing dates, or in the cache reader
    #: (whole row groups skipped by their statistics included).
    rows_filtered_out: int
    #: Rows the pass delivered.
    rows: int
    #: Batches the pass delivered.
    batches: int
    #: Non-blank text in typed date columns that is not a date (now null).
    invalid_dates: int
    #: Files whose data ended before their header's record count, read anyway (``on_truncated="warn"``).
    truncated_files: int = 0
    #: Values of coded columns that their code list lacks (kept as their text; per column:
    #: :meth:`arrow_sus.Scan.unmapped_codes`).
    unmapped_codes: int = 0

    @classmethod
    def from_counters(cls, files_planned: int, counters: Mapping[str, int]) -> ScanStats:
        """The statistics from the engine's counters (a name → value mapping with every counter)."""
        return cls(files_planned=files_planned, **counters)

    def as_dict(self) -> dict[str, int]:
        """Every counter by name (JSON-ready)."""
        return asdict(self)

    def __getitem__(self, name: str) -> int:
        """A counter by name, e.g. ``stats["rows_filtered_out"]``."""
        if name not in self.__dataclass_fields__:
            raise KeyError(name)
        return int(getattr(self, name))

    def __repr__(self) -> str:
        batches = "batch" if self.batches == 1 else "batches"
        columns = "column" if self.columns_converted == 1 else "columns"
        text = (
            f"<ScanStats: {self.files_done}/{self.files_planned} files done ({self.files_from_cache} from "
            f"cache) · {self.records_scanned:,} records scanned → {self.rows:,} rows in {self.batches:,} {batches} "
            f"({self.rows_filtered_out:,} filtered out, {self.deleted_records_skipped:,} deleted) · "
            f"{self.columns_converted:,} {columns} converted, {self.columns_read_from_cache:,} read from cache · "
            f"{human_bytes(self.bytes_read)} read, {human_bytes(self.bytes_downloaded)} downloaded"
        )
        if self.invalid_dates:
            text += f" · {self.invalid_dates:,} invalid dates"
        if self.truncated_files:
            text += f" · {self.truncated_files:,} truncated files"
        return text + ">"


__all__ = ["ScanStats"]
