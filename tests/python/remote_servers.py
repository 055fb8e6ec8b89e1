"""Local servers for the remote-source tests: a DATASUS-like FTP server with fault injection, an HTTP mirror
with Range support, and helpers to build a DATASUS-shaped tree. Everything listens on 127.0.0.1 only and is
stopped by the fixture that started it."""

from __future__ import annotations

import email.utils
import html
import os
import random
import shutil
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.filesystems import AbstractedFS
from pyftpdlib.handlers import FTPHandler, ThrottledDTPHandler
from pyftpdlib.servers import ThreadedFTPServer

from arrow_sus.codec import compress_dbf

#: Where DATASUS keeps the public data, relative to the FTP root.
PUBLIC_ROOT = "dissemin/publicos"
BRASILIA_OFFSET = -3 * 3600


def synthetic_dbf(records: int, seed: int = 0, fields: int = 3) -> bytes:
    """A DBF of `records` rows of `fields` ten-digit character fields (random digits: they compress to
    about 18 bytes a record), header CRC-free, ending with the 0x1A byte."""
    rng = random.Random(seed)
    header_len = 32 + 32 * fields + 1
    record_len = 1 + 10 * fields
    head = struct.pack("<BBBBIHH20x", 3, 126, 4, 30, records, header_len, record_len)
    descriptors = b"".join(
        f"F{i}".encode().ljust(11, b"\0") + b"C" + b"\0" * 4 + bytes([10, 0]) + b"\0" * 14
        for i in range(fields)
    )
    body = b"".join(
        b" " + b"".join(str(rng.randrange(10**10)).zfill(10).encode() for _ in range(fields))
        for _ in range(records)
    )
    return head + descriptors + b"\r" + body + b"\x1a"


def synthetic_dbc(records: int, seed: int = 0) -> bytes:
    """A real .dbc (made with our DCL compressor) of :func:`synthetic_dbf`; header length 129."""
    return compress_dbf(synthetic_dbf(records, seed))


@dataclass
class Faults:
    """Faults the FTP server injects, by file name. Counters are consumed as faults fire."""

    drop_after: dict[str, list[int]] = field(default_factory=dict)  # name -> [bytes, times]
    stall_after: dict[str, list[float]] = field(default_factory=dict)  # name -> [bytes, seconds, times]
    truncate_at: dict[str, int] = field(default_factory=dict)  # name -> bytes served, then a clean end
    replace_on_retr: dict[str, bytes] = field(default_factory=dict)  # name -> new content, on first RETR
    retr_count: dict[str, int] = field(default_factory=dict)  # RETR commands, by name (ranged or not)
    complete_retr: int = 0  # transfers that sent a whole file (or the rest of it, after REST)
    max_connections_seen: int = 0
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def total_retr(self) -> int:
        """RETR commands served so far, all files."""
        with self.lock:
            return sum(self.retr_count.values())


class IisStyleFS(AbstractedFS):
    """Directory listings the way DATASUS's IIS serves them (MS-DOS style, Brasília local time)."""

    def format_list(self, basedir, listing, ignore_err=True):
        for name in listing:
            st = os.stat(os.path.join(basedir, name))
            local = time.gmtime(st.st_mtime + BRASILIA_OFFSET)
            stamp = time.strftime("%m-%d-%y  %I:%M%p", local)
            size = "<DIR>         " if os.path.isdir(os.path.join(basedir, name)) else f"{st.st_size:>14}"
            yield f"{stamp} {size} {name}\r\n".encode()


class _TruncatedFile:
    """A file object that ends after `limit` bytes (a server-side truncated file)."""

    def __init__(self, fd, limit: int) -> None:
        self._fd = fd
        self._limit = limit
        self.name = fd.name
        self.closed = False

    def read(self, n: int = -1) -> bytes:
        left = self._limit - self._fd.tell()
        if left <= 0:
            return b""
        return self._fd.read(left if n < 0 else min(n, left))

    def seek(self, pos: int, whence: int = 0) -> int:
        return self._fd.seek(pos, whence)

    def tell(self) -> int:
        return self._fd.tell()

    def close(self) -> None:
        self.closed = True
        self._fd.close()


class FaultyDTPHandler(ThrottledDTPHandler):
    """Data channel that drops or stalls transfers as the server's Faults say."""

    faults: Faults

    def send(self, data):
        name = os.path.basename(getattr(self.file_obj, "name", "") or "")
        faults = self.faults
        with faults.lock:
            drop = faults.drop_after.get(name)
            stall = faults.stall_after.get(name)
        if drop and drop[1] > 0 and self.tot_bytes_sent + len(data) > drop[0]:
            keep = max(0, drop[0] - self.tot_bytes_sent)
            if keep:
                super().send(data[:keep])
            with faults.lock:
                drop[1] -= 1
            self.handle_close()  # producer not finished: the control channel answers 426
            return 0
        if stall and stall[2] > 0 and self.tot_bytes_sent >= stall[0]:
            with faults.lock:
                stall[2] -= 1
            time.sleep(stall[1])
        return super().send(data)

    def handle_close(self):
        super().handle_close()
        if not self.receive and self.transfer_finished and self.file_obj is not None:
            with self.faults.lock:
                self.faults.complete_retr += 1


class FaultyFTPHandler(FTPHandler):
    """Control channel that counts connections and RETRs and applies truncation/replacement faults."""

    faults: Faults

    def on_connect(self):
        with self.faults.lock:
            self.faults.connections += 1
            self.faults.max_connections_seen = max(self.faults.max_connections_seen, self.faults.connections)

    def on_disconnect(self):
        with self.faults.lock:
            self.faults.connections -= 1

    def ftp_RETR(self, file):
        name = os.path.basename(file)
        with self.faults.lock:
            self.faults.retr_count[name] = self.faults.retr_count.get(name, 0) + 1
            replacement = self.faults.replace_on_retr.pop(name, None)
        if replacement is not None:
            Path(file).write_bytes(replacement)
            os.utime(file, (time.time() + 120, time.time() + 120))
        limit = self.faults.truncate_at.get(name)
        if limit is None:
            return super().ftp_RETR(file)
        real_open = self.fs.open
        self.fs.open = lambda f, mode: _TruncatedFile(real_open(f, mode), limit)
        try:
            return super().ftp_RETR(file)
        finally:
            self.fs.open = real_open


class FtpServer:
    """A threaded pyftpdlib server on 127.0.0.1 serving `root` anonymously, IIS-style, with `faults`."""

    def __init__(self, root: Path, max_cons: int = 64, write_limit: int = 0) -> None:
        self.faults = Faults()
        dtp = type("DTP", (FaultyDTPHandler,), {"faults": self.faults, "write_limit": write_limit})
        authorizer = DummyAuthorizer()
        authorizer.add_anonymous(str(root))
        handler = type(
            "Handler",
            (FaultyFTPHandler,),
            {
                "faults": self.faults,
                "authorizer": authorizer,
                "abstracted_fs": IisStyleFS,
                "dtp_handler": dtp,
                "passive_ports": None,
                "timeout": 30,
            },
        )
        self.handler = handler
        self._stopped = False
        self._server = ThreadedFTPServer(("127.0.0.1", 0), handler)
        self._server.max_cons = max_cons
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"timeout": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """The source URL of the DATASUS-shaped tree on this server."""
        return f"ftp://127.0.0.1:{self.port}/{PUBLIC_ROOT}"

    def stop(self) -> None:
        """Closes every connection and the listening socket (once)."""
        if self._stopped:
            return
        self._stopped = True
        self._server.close_all()
        self._thread.join(timeout=10)


class _RangeHandler(BaseHTTPRequestHandler):
    root: Path

    def log_message(self, *args):  # quiet
        pass

    def _target(self) -> Path | None:
        rel = unquote(self.path.split("?", 1)[0]).lstrip("/")
        target = (self.root / rel).resolve()
        return target if target.is_relative_to(self.root.resolve()) and target.exists() else None

    def _autoindex(self, directory: Path) -> bytes:
        rows = ['<html><body><pre><a href="../">../</a>']
        for child in sorted(directory.iterdir()):
            st = child.stat()
            stamp = time.strftime("%d-%b-%Y %H:%M", time.gmtime(st.st_mtime))
            href = quote(child.name) + ("/" if child.is_dir() else "")
            size = "-" if child.is_dir() else str(st.st_size)
            rows.append(f'<a href="{href}">{html.escape(child.name)}</a>  {stamp}  {size:>12}')
        return ("\n".join(rows) + "\n</pre></body></html>\n").encode()

    def _respond(self, body: bool) -> None:
        target = self._target()
        if target is None:
            self.send_error(404)
            return
        if target.is_dir():
            data = self._autoindex(target)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)
            return
        data = target.read_bytes()
        start, end = 0, len(data) - 1
        status = 200
        if "Range" in self.headers:
            spec = self.headers["Range"].removeprefix("bytes=")
            first, _, last = spec.partition("-")
            start = int(first)
            end = min(int(last), len(data) - 1) if last else len(data) - 1
            if start >= len(data):
                self.send_error(416)
                return
            status = 206
        self.send_response(status)
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Last-Modified", email.utils.formatdate(target.stat().st_mtime, usegmt=True))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.end_headers()
        if body:
            self.wfile.write(data[start : end + 1])

    def do_GET(self):
        self._respond(body=True)

    def do_HEAD(self):
        self._respond(body=False)


class HttpServer:
    """A threaded HTTP mirror of `root` with Range requests and nginx-style autoindex listings."""

    def __init__(self, root: Path) -> None:
        handler = type("Handler", (_RangeHandler,), {"root": root})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()

    @property
    def url(self) -> str:
        """The source URL of the DATASUS-shaped tree on this server."""
        return f"http://127.0.0.1:{self.port}/{PUBLIC_ROOT}"

    def stop(self) -> None:
        """Stops serving and closes the socket."""
        self._server.shutdown()
        self._server.server_close()


def build_tree(root: Path, files: dict[str, bytes], mtime: float = 1777300860.0) -> Path:
    """Writes `files` (paths relative to dissemin/publicos) under root and returns the public root."""
    public = root / PUBLIC_ROOT
    for rel, data in files.items():
        target = public / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.utime(target, (mtime, mtime))
    return public


def copy_into_tree(root: Path, rel: str, source: Path) -> None:
    """Copies a real file into the tree at its server path."""
    target = root / PUBLIC_ROOT / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
