"""Robust downloads of the public sources, and the conversions that give them the layout of
docs/formats.md (gunzip, bigBed -> BED9, zip members, column selection, diHMM domains).

`download` streams to `<dest>.part`, resumes with HTTP Range where the server allows it,
retries with exponential back-off on network errors, timeouts, 5xx answers and truncated
bodies, verifies a checksum (md5, sha256, or the BSD `sum` that Ensembl publishes in its
CHECKSUMS files) and only then renames the file onto `dest`. A failed download never leaves
a file at `dest`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

import requests
import urllib3

from xpressoflow.io import atomic_path

log = logging.getLogger("xpressoflow.download")

CHUNK_BYTES = 1 << 20
PROGRESS_EVERY_S = 10.0
USER_AGENT = "xpressoflow-download/0.1 (+https://github.com/vagarwal87/Xpresso reproduction)"


class DownloadError(RuntimeError):
    """A download that failed for good; the message names the URL."""

    def __init__(self, url: str, message: str):
        super().__init__(f"{url}: {message}")
        self.url = url


class ChecksumError(DownloadError):
    """The downloaded bytes do not match the published checksum."""


class _Retryable(Exception):
    """A failure worth another try (connection, timeout, 5xx, truncated body)."""


# --------------------------------------------------------------------------------------------
# checksums


def file_digest(path: str | os.PathLike, algorithm: str) -> str:
    """Hex digest of a file (`md5`, `sha256`, ...), read in 1 MiB chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _bsd_sum_python(path: str | os.PathLike) -> tuple[int, int]:
    checksum = 0
    size = 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            size += len(chunk)
            for byte in chunk:
                checksum = ((checksum >> 1) | ((checksum & 1) << 15)) + byte
                checksum &= 0xFFFF
    return checksum, (size + 1023) // 1024


def bsd_sum(path: str | os.PathLike, *, use_binary: bool = True) -> tuple[int, int]:
    """BSD `sum` of a file: (16-bit checksum, number of 1 KiB blocks).

    This is the algorithm of the `CHECKSUMS` files on ftp.ensembl.org. The coreutils binary
    (`sum -r`) is used when present (fast); the pure-Python fallback is slow (about 1 min per
    100 MB) but gives the same answer.
    """
    exe = shutil.which("sum") if use_binary else None
    if exe:
        out = subprocess.run([exe, "-r", str(path)], check=True, capture_output=True, text=True)
        checksum, blocks = out.stdout.split()[:2]
        return int(checksum), int(blocks)
    return _bsd_sum_python(path)


def parse_ensembl_checksums(text: str, filename: str) -> str:
    """The `"<sum> <blocks>"` entry of `filename` in an Ensembl CHECKSUMS file."""
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[-1] == filename:
            return f"{int(fields[0])} {int(fields[1])}"
    raise KeyError(f"{filename} is not listed in the CHECKSUMS file")


def _verify(url: str, path: Path, md5: str | None, sha256: str | None, bsd: str | None) -> None:
    checks = []
    if md5:
        checks.append(("md5", md5.lower(), lambda: file_digest(path, "md5")))
    if sha256:
        checks.append(("sha256", sha256.lower(), lambda: file_digest(path, "sha256")))
    if bsd:
        expected = " ".join(str(int(x)) for x in str(bsd).split())
        checks.append(("BSD sum", expected, lambda: "{} {}".format(*bsd_sum(path))))
    for name, expected, compute in checks:
        observed = compute()
        if observed != expected:
            raise ChecksumError(url, f"{name} mismatch: expected {expected}, got {observed}")
        log.info("%s verified (%s %s)", path.name, name, observed)


# --------------------------------------------------------------------------------------------
# download


def _meta_path(part: Path) -> Path:
    return part.with_name(part.name + ".json")


def _read_meta(part: Path) -> dict:
    try:
        return json.loads(_meta_path(part).read_text())
    except (OSError, ValueError):
        return {}


def _discard(*paths: Path) -> None:
    for path in paths:
        if path.exists():
            path.unlink()


def _parse_content_range(value: str | None) -> tuple[int, int | None] | None:
    match = re.match(r"bytes (\d+)-(\d+)/(\d+|\*)", value or "")
    if not match:
        return None
    total = None if match.group(3) == "*" else int(match.group(3))
    return int(match.group(1)), total


def _fetch_once(
    session: requests.Session,
    url: str,
    part: Path,
    *,
    resume_from: int,
    validator: str | None,
    timeout_s: float,
    headers: Mapping[str, str],
) -> None:
    request_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **headers}
    if resume_from:
        request_headers["Range"] = f"bytes={resume_from}-"
        if validator:
            request_headers["If-Range"] = validator
    try:
        response = session.get(url, stream=True, timeout=timeout_s, headers=request_headers)
    except requests.RequestException as err:
        raise _Retryable(f"{type(err).__name__}: {err}") from err
    with response:
        status = response.status_code
        if status == 416:  # our .part is no prefix of the current file
            _discard(part, _meta_path(part))
            raise _Retryable("HTTP 416 on resume; restarting from byte 0")
        if status >= 500 or status in (408, 429):
            raise _Retryable(f"HTTP {status}")
        if status >= 400:
            raise DownloadError(url, f"HTTP {status} {response.reason}")

        mode, offset, total = "wb", 0, None
        content_range = _parse_content_range(response.headers.get("Content-Range"))
        if status == 206 and resume_from and content_range and content_range[0] == resume_from:
            mode, offset, total = "ab", resume_from, content_range[1]
            log.info("resuming %s at byte %d", url, offset)
        else:
            if resume_from:
                log.info("server sent the whole file (no range support or file changed)")
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        if mode == "wb" or not _meta_path(part).exists():
            _meta_path(part).write_text(
                json.dumps({"url": url, "validator": etag or last_modified, "total": total})
            )

        received = offset
        started = last_report = time.monotonic()
        try:
            with open(part, mode) as handle:
                for chunk in response.raw.stream(CHUNK_BYTES, decode_content=False):
                    handle.write(chunk)
                    received += len(chunk)
                    now = time.monotonic()
                    if now - last_report >= PROGRESS_EVERY_S:
                        _log_progress(url, received, offset, total, now - started)
                        last_report = now
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as err:
            if isinstance(err, OSError) and not isinstance(err, ConnectionError | TimeoutError):
                raise
            raise _Retryable(f"connection broke after {received} bytes: {err}") from err
        _log_progress(url, received, offset, total, time.monotonic() - started)
        if total is not None and received != total:
            raise _Retryable(f"truncated body: got {received} of {total} bytes")


def _log_progress(url: str, received: int, offset: int, total: int | None, elapsed: float):
    rate = (received - offset) / max(elapsed, 1e-6) / 1e6
    of_total = f" of {total}" if total is not None else ""
    log.info("%s: %d%s bytes (%.2f MB/s)", url, received, of_total, rate)


def download(
    url: str,
    dest: str | os.PathLike,
    *,
    md5: str | None = None,
    sha256: str | None = None,
    bsd_sum: str | None = None,
    retries: int = 5,
    backoff_s: float = 5.0,
    max_backoff_s: float = 300.0,
    timeout_s: float = 120.0,
    resume: bool = True,
    headers: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Path:
    """Download `url` to `dest`; return `dest`.

    Bytes go to `dest + ".part"` (with a small `.part.json` holding the server's ETag or
    Last-Modified). Up to `1 + retries` attempts are made, waiting `backoff_s * 2**k` (capped
    at `max_backoff_s`) between them, on connection errors, timeouts, HTTP 5xx/408/429 and
    bodies shorter than Content-Length. With `resume`, a later attempt asks for the missing
    bytes with `Range` (+ `If-Range`, so a changed file is sent whole); a server without range
    support answers 200 and the file restarts. A `.part` left by an earlier run is only
    resumed when it can be checked: a checksum is given or the server validator is known;
    otherwise it is discarded. A checksum mismatch deletes the partial file and retries from
    scratch; HTTP 4xx fails at once. The final error is a `DownloadError` naming the URL.
    `bsd_sum` is Ensembl's `"<checksum> <blocks>"`.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    own_session = session is None
    session = session or requests.Session()
    has_checksum = bool(md5 or sha256 or bsd_sum)
    last_error: Exception | None = None
    try:
        for attempt in range(1, retries + 2):
            meta = _read_meta(part)
            if part.exists() and meta.get("url") not in (None, url):
                _discard(part, _meta_path(part))
            resume_from = 0
            if resume and part.exists() and (has_checksum or meta.get("validator")):
                resume_from = part.stat().st_size
            elif part.exists():
                _discard(part, _meta_path(part))
            try:
                log.info("downloading %s -> %s (attempt %d of %d)", url, dest, attempt, retries + 1)
                _fetch_once(
                    session,
                    url,
                    part,
                    resume_from=resume_from,
                    validator=meta.get("validator"),
                    timeout_s=timeout_s,
                    headers=headers or {},
                )
                _verify(url, part, md5, sha256, bsd_sum)
                os.replace(part, dest)
                _discard(_meta_path(part))
                return dest
            except ChecksumError as err:
                log.warning("%s; deleting the partial file", err)
                _discard(part, _meta_path(part))
                last_error = err
            except _Retryable as err:
                log.warning("%s: %s", url, err)
                if not resume:
                    _discard(part, _meta_path(part))
                last_error = err
            except DownloadError:
                _discard(part, _meta_path(part))
                raise
            if attempt <= retries:
                wait = min(backoff_s * 2 ** (attempt - 1), max_backoff_s)
                log.info("retrying in %.1f s", wait)
                sleep(wait)
    finally:
        if own_session:
            session.close()
    if isinstance(last_error, ChecksumError):
        raise ChecksumError(url, f"{last_error} (after {retries + 1} attempts)") from last_error
    raise DownloadError(url, f"failed after {retries + 1} attempts: {last_error}") from last_error


def fetch_text(url: str, **download_kwargs) -> str:
    """Small text resources (CHECKSUMS files): downloaded with the same retries, returned."""
    with tempfile.TemporaryDirectory(prefix="xpressoflow-") as tmpdir:
        return download(url, Path(tmpdir) / "text", **download_kwargs).read_text()


def biomart_url(martservice: str, query_xml: str) -> str:
    """GET URL of a BioMart XML query (whitespace between tags removed)."""
    compact = re.sub(r">\s+<", "><", query_xml.strip())
    return f"{martservice}?query={quote(compact)}"


def strip_biomart_completion_stamp(path: str | os.PathLike) -> None:
    """Check and remove the `[success]` line BioMart appends with completionStamp="1".

    BioMart publishes no checksum and can stop mid-export; the stamp is its proof of a
    complete answer.
    """
    path = Path(path)
    lines = path.read_text().splitlines(keepends=True)
    if not lines or lines[-1].strip() != "[success]":
        raise ValueError(f"{path}: BioMart answer lacks the [success] completion stamp")
    path.write_text("".join(lines[:-1]))


# --------------------------------------------------------------------------------------------
# conversions into the formats of docs/formats.md


def gunzip(src: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Decompress a gzip (or bgzip) file to a plain file; `dest` appears only when complete."""
    with atomic_path(dest) as tmp, gzip.open(src, "rb") as fin, open(tmp, "wb") as fout:
        shutil.copyfileobj(fin, fout, CHUNK_BYTES)
    return Path(dest)


def index_fasta(fasta: str | os.PathLike) -> Path:
    """samtools-style `.fai` next to a plain FASTA (pysam.faidx)."""
    import pysam

    pysam.faidx(str(fasta))
    return Path(f"{fasta}.fai")


def bigbed_to_bed9(src: str | os.PathLike, dest: str | os.PathLike) -> int:
    """Write a bigBed (FANTOM5 CAGE peaks) as BED9 text, like `bigBedToBed`; return rows."""
    import pyBigWig

    bb = pyBigWig.open(str(src))
    if bb is None or not bb.isBigBed():
        raise ValueError(f"{src} is not a bigBed file")
    rows = 0
    try:
        with atomic_path(dest) as tmp, open(tmp, "w") as out:
            for chrom, size in bb.chroms().items():
                for start, end, rest in bb.entries(chrom, 0, size) or []:
                    extra = rest.split("\t")[:6] if rest else []
                    out.write("\t".join([chrom, str(start), str(end), *extra]) + "\n")
                    rows += 1
    finally:
        bb.close()
    return rows


def unzip_member(src: str | os.PathLike, member: str, dest: str | os.PathLike) -> Path:
    """Extract one member of a zip archive (by full name or base name) to `dest`."""
    with zipfile.ZipFile(src) as archive:
        names = [n for n in archive.namelist() if n == member or Path(n).name == member]
        if len(names) != 1:
            raise KeyError(f"{src}: member {member!r} found {len(names)} times")
        with atomic_path(dest) as tmp, archive.open(names[0]) as fin, open(tmp, "wb") as fout:
            shutil.copyfileobj(fin, fout, CHUNK_BYTES)
    return Path(dest)


def select_columns(
    src: str | os.PathLike,
    dest: str | os.PathLike,
    *,
    columns: Sequence[int | str | None],
    names: Sequence[str],
    header: bool = True,
    skip_rows: int = 0,
    sep: str = "\t",
) -> int:
    """Rewrite a delimited table as TSV with the columns (0-based index or header name, None
    for an empty column) renamed to `names`; return the number of data rows."""
    if len(columns) != len(names):
        raise ValueError("columns and names differ in length")
    rows = 0
    opener = gzip.open if str(src).endswith(".gz") else open
    with opener(src, "rt") as fin, atomic_path(dest) as tmp, open(tmp, "w") as out:
        for _ in range(skip_rows):
            next(fin, None)
        index: list[int | None] = []
        if header:
            head = next(fin).rstrip("\r\n").split(sep)
            for col in columns:
                index.append(head.index(col) if isinstance(col, str) else col)
        else:
            if any(isinstance(col, str) for col in columns):
                raise ValueError("column names need header=True")
            index = list(columns)  # type: ignore[arg-type]
        out.write("\t".join(names) + "\n")
        for line in fin:
            fields = line.rstrip("\r\n").split(sep)
            if fields == [""]:
                continue
            out.write("\t".join("" if i is None else fields[i] for i in index) + "\n")
            rows += 1
    return rows


def dihmm_domains(
    src: str | os.PathLike,
    dest: str | os.PathLike,
    *,
    states: Mapping[str, Sequence[str]],
    member: str | None = None,
) -> int:
    """BED4 of chromatin domains from a diHMM domain-level BED (Marco et al.).

    `states` maps an output name (`stretch_enhancer`, `H3K27me3`) to the diHMM domain states
    (`D10`...) it gathers, matched on the leading `D<n>` of the BED name (so `D10_foo` is
    `D10`, never `D1`); other domains are dropped. `src` may be the diHMM zip with
    `member` the BED inside it.
    """
    lookup = {state: name for name, group in states.items() for state in group}
    if member is not None:
        with zipfile.ZipFile(src) as archive:
            names = [n for n in archive.namelist() if n == member or Path(n).name == member]
            if len(names) != 1:
                raise KeyError(f"{src}: member {member!r} found {len(names)} times")
            lines = archive.read(names[0]).decode().splitlines()
    else:
        lines = Path(src).read_text().splitlines()
    rows = 0
    with atomic_path(dest) as tmp, open(tmp, "w") as out:
        for line in lines:
            if not line or line.startswith(("track", "browser", "#")):
                continue
            fields = line.split("\t")
            state = re.match(r"D\d+", fields[3]) if len(fields) > 3 else None
            name = lookup.get(state.group(0)) if state else None
            if name is None:
                continue
            out.write("\t".join([fields[0], fields[1], fields[2], name]) + "\n")
            rows += 1
    return rows


# --------------------------------------------------------------------------------------------
# one configured source -> one file of docs/formats.md

TRANSFORMS = ("copy", "gunzip", "bigbed_to_bed9", "unzip", "columns", "dihmm_domains")


def fetch_source(
    spec: Mapping,
    dest: str | os.PathLike,
    *,
    download_dir: str | os.PathLike | None = None,
    keep_download: bool = False,
    **download_kwargs,
) -> Path:
    """Download a configured source (`url`, optional `md5`/`sha256`, `transform` + options)
    and write it to `dest` in the layout of docs/formats.md.

    Transforms: `copy` (default, downloaded straight to `dest`), `gunzip`, `bigbed_to_bed9`,
    `unzip` (`member`), `columns` (`columns`, `names`, `header`, `skip_rows`, `sep`, and
    `member` for a zip), `dihmm_domains` (`states`, `member`). Other transforms download the
    raw file to `download_dir` (default: `<dest folder>/.downloads/<dest name>/`, one per
    output so parallel jobs sharing a source URL never share a `.part`) first.
    """
    dest = Path(dest)
    transform = spec.get("transform", "copy")
    if transform not in TRANSFORMS:
        raise ValueError(f"unknown transform {transform!r} (known: {', '.join(TRANSFORMS)})")
    checks = {"md5": spec.get("md5"), "sha256": spec.get("sha256")}
    if transform == "copy":
        return download(spec["url"], dest, **checks, **download_kwargs)

    raw_dir = Path(download_dir) if download_dir else dest.parent / ".downloads" / dest.name
    raw_name = Path(spec["url"].split("?")[0]).name or dest.name
    raw = download(spec["url"], raw_dir / raw_name, **checks, **download_kwargs)
    if transform == "gunzip":
        gunzip(raw, dest)
    elif transform == "bigbed_to_bed9":
        rows = bigbed_to_bed9(raw, dest)
        log.info("%s: %d BED9 rows", dest, rows)
    elif transform == "unzip":
        unzip_member(raw, spec["member"], dest)
    elif transform == "columns":
        table = raw
        if spec.get("member"):
            table = unzip_member(raw, spec["member"], raw_dir / Path(spec["member"]).name)
        select_columns(
            table,
            dest,
            columns=spec["columns"],
            names=spec["names"],
            header=spec.get("header", True),
            skip_rows=spec.get("skip_rows", 0),
            sep=spec.get("sep", "\t"),
        )
        if table != raw:
            table.unlink()
    elif transform == "dihmm_domains":
        dihmm_domains(raw, dest, states=spec["states"], member=spec.get("member"))
    if not keep_download:
        raw.unlink()
    return dest
