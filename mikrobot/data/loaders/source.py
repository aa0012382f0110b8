"""A bar file's bytes, made ready for the pandas C parser, and the way back to editor lines.

Reading does the few whole-file steps in bulk: detect the encoding (UTF-8, UTF-8 with BOM,
UTF-16 with or without BOM, or the caller's ``encoding=``), re-encode to UTF-8 if needed,
normalise old Mac ``\\r`` line ends, and drop the double quotes of files where every line is
wrapped in them. Line numbers are only worked out when an error needs one.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from mikrobot.core.errors import DataError

SNIFF_BYTES = 16_384
SEPARATORS: tuple[str, ...] = ("\t", ",", ";", "|")
SEP_NAMES = {"\t": "TAB", ",": "','", ";": "';'", "|": "'|'", " ": "space"}


def sep_name(sep: str) -> str:
    """A readable name of a separator (``"TAB"``, ``"';'"``)."""
    return SEP_NAMES.get(sep, repr(sep))


@dataclass(frozen=True, slots=True)
class Source:
    """UTF-8 text of a bar file, ready for ``pandas.read_csv``.

    ``data`` keeps the file's lines one for one (so line numbers stay valid); ``wrapped`` says
    whether a double quote around every line was removed.
    """

    path: str
    data: bytes
    encoding: str
    wrapped: bool

    def lines(self, limit: int | None = None) -> list[tuple[int, str]]:
        """``(line number, text)`` of the non-blank lines, 1-based; the first ``limit`` only."""
        chunk = self.data if limit is None else self.data[: SNIFF_BYTES * 4]
        out: list[tuple[int, str]] = []
        for number, raw in enumerate(chunk.split(b"\n"), start=1):
            text = raw.decode("utf-8", errors="replace").rstrip("\r")
            if text.strip():
                out.append((number, text))
                if limit is not None and len(out) >= limit:
                    break
        return out

    def line_of_row(self, row: int, skip_lines: int, sep: str) -> int:
        """The 1-based file line of data row ``row`` when the data starts after line ``skip_lines``.

        Mirrors the C parser: lines holding only spaces (and tabs, unless TAB separates fields)
        are skipped. Only used to word errors, so it may be slow.
        """
        blank = b" \r" if sep == "\t" else b" \r\t"
        count = -1
        lines = self.data.split(b"\n")
        for index in range(skip_lines, len(lines)):
            if lines[index].strip(blank):
                count += 1
                if count == row:
                    return index + 1
        return len(lines)

    def line_text(self, line: int) -> str:
        """The text of 1-based file line ``line`` (quotes removed if the file wrapped its lines)."""
        lines = self.data.split(b"\n")
        if not 1 <= line <= len(lines):
            return ""
        return lines[line - 1].decode("utf-8", errors="replace").rstrip("\r")


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4:
        odd_nuls = sample[1::2].count(0)
        even_nuls = sample[0::2].count(0)
        half = len(sample) // 2
        if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
            return "utf-16-le"
        if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
            return "utf-16-be"
    return "utf-8"


def _to_utf8(raw: bytes, encoding: str, path: str, explicit: bool) -> bytes:
    codec = codecs.lookup(encoding).name
    if codec == "utf-8":
        if raw.isascii():
            return raw
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            hint = (
                "check encoding="
                if explicit
                else "pass encoding= (for example encoding='cp1252' or 'utf-16')"
            )
            raise DataError(
                f"byte 0x{raw[exc.start]:02x} is not UTF-8 text; {hint}", path=path, line=line
            ) from None
        return raw
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"cannot decode the file as {encoding} ({exc.reason} at byte {exc.start}); "
            "pass the right encoding=",
            path=path,
        ) from None
    return text.lstrip("\ufeff").encode("utf-8")


def _is_wrapped(data: bytes) -> bool:
    """True when the first lines are each one double-quoted string (the hadiforoughi layout)."""
    seen = 0
    lines = data[:SNIFF_BYTES].split(b"\n")
    if len(data) > SNIFF_BYTES:
        lines = lines[:-1]  # the last one may be cut short
    for raw in lines:
        line = raw.strip(b" \r")
        if not line:
            continue
        if not (len(line) >= 2 and line[:1] == b'"' and line[-1:] == b'"'):
            return False
        if line.count(b'"') != 2:
            return False
        seen += 1
        if seen >= 5:
            break
    return seen > 0


def read_source(path: str | Path, encoding: str | None = None) -> Source:
    """Read a text bar file into a :class:`Source`; raise :class:`DataError` for an empty file."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise DataError("no such file; check the path", path=name) from None
    except IsADirectoryError:
        raise DataError("is a directory, not a bar file", path=name) from None
    return source_from_bytes(raw, name, encoding)


def source_from_bytes(raw: bytes, path: str, encoding: str | None = None) -> Source:
    """Build a :class:`Source` from a file's bytes (``path`` is only used in messages)."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise DataError(
                f"unknown encoding {encoding!r}; use e.g. 'utf-8', 'utf-16' or 'cp1252'",
                path=path,
                field="encoding",
            ) from None
    detected = encoding or _detect_encoding(raw[:SNIFF_BYTES])
    data = _to_utf8(raw, detected, path, explicit=encoding is not None)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if b"\n" not in data and b"\r" in data:
        data = data.replace(b"\r", b"\n")
    if not data or data.isspace():
        raise DataError("the file is empty: it holds no header and no bars", path=path)
    wrapped = _is_wrapped(data)
    if wrapped:
        data = data.replace(b'"', b"")
    return Source(path=path, data=data, encoding=detected, wrapped=wrapped)


def count_separators(line: str) -> dict[str, int]:
    """How often each candidate separator occurs in ``line``, outside double quotes."""
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return counts


def guess_separator(line: str, prefer: tuple[str, ...] = SEPARATORS) -> str | None:
    """The separator that splits ``line`` most often (ties go to the earlier of ``prefer``)."""
    counts = count_separators(line)
    best = max(prefer, key=lambda s: counts.get(s, 0))
    if counts.get(best, 0) > 0:
        return best
    others = [s for s in SEPARATORS if counts[s] > 0]
    return max(others, key=counts.__getitem__) if others else None


def split_fields(line: str, sep: str) -> list[str]:
    """Split one line into stripped fields, dropping double quotes around a field."""
    fields = []
    for field in line.split(sep):
        text = field.strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1].strip()
        fields.append(text)
    return fields


def expect_separator(
    source: Source, line: int, text: str, expected: tuple[str, ...], format: str
) -> str:
    """The separator of ``text`` (file line ``line``) among ``expected``.

    Raises :class:`DataError` saying which separator was found and which was expected when the
    line holds none of ``expected``.
    """
    counts = count_separators(text)
    present = [s for s in expected if counts.get(s, 0) > 0]
    if present:
        return max(present, key=counts.__getitem__)
    found = guess_separator(text)
    wanted = " or ".join(sep_name(s) for s in expected)
    seen = f"found {sep_name(found)}" if found else "found no separator at all"
    raise DataError(
        f"{seen} between the fields but format {format!r} expects {wanted} (the line reads "
        f"{text[:80]!r}); check format=, or read it as format='generic' with "
        f"columns={{'sep': {found or '...'!r}}}",
        path=source.path,
        line=line,
        field="sep",
    )
