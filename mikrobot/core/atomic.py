"""All-or-nothing file writes: a reader sees the previous complete file or the new one."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def write_text_atomic(path: str | os.PathLike[str], chunks: str | Iterable[str]) -> Path:
    """Write the text ``chunks`` (one string or an iterable of strings) to ``path`` in UTF-8,
    all or nothing, and return the path.

    The chunks go to a temporary file beside ``path`` (``.<name>.<pid>.tmp``, in the same
    directory so the final move is atomic), flushed to disk, which replaces ``path`` with
    ``os.replace`` only once every chunk is written. If anything fails - a chunk that raises
    while it is produced, a full disk, a ``path`` that is a directory - the temporary file is
    removed and the error propagates: ``path`` is left as it was (absent, or the previous
    complete file). Missing parent directories are created."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            for chunk in [chunks] if isinstance(chunks, str) else chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out
