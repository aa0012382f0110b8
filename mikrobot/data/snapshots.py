"""Crash-safe versioned directories: build a new version aside, publish it with one rename.

A dataset directory holds immutable version directories and a ``CURRENT`` pointer::

    <dataset>/CURRENT            "v000007\\n"
    <dataset>/v000006/...        the previous version, kept for readers still on it
    <dataset>/v000007/...        the current version
    <dataset>/.tmp-<hex>/...     a version being written (or left by a crash; never read)

A writer (holding :func:`file_lock`) fills a fresh ``.tmp-*`` directory, flushes it to disk,
renames it to the next ``vNNNNNN`` and replaces ``CURRENT`` with ``os.replace``. Until that
last step, readers see the old version whole; after it, the new one whole. Only a writer
deletes anything (older versions and crash leftovers), always after a successful switch.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mikrobot.core.errors import TemporaryError

POINTER = "CURRENT"
TMP_PREFIX = ".tmp-"
_VERSION = re.compile(r"^v(\d{6,})$")


def version_number(name: str) -> int | None:
    """The number of a version directory name (``"v000007"`` -> 7), None for anything else."""
    match = _VERSION.match(name)
    return int(match.group(1)) if match else None


def fsync_path(path: Path) -> None:
    """Flush a file (or, on POSIX, a directory entry list) to stable storage."""
    if path.is_dir():
        if os.name == "nt":  # Windows cannot open a directory to flush it
            return
        flags = os.O_RDONLY
    else:
        flags = os.O_RDWR
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class VersionedDir:
    """One dataset directory of immutable versions switched by an atomic ``CURRENT`` pointer.

    ``durable=True`` flushes every new file and directory to disk before the switch, so that a
    power cut cannot publish a version whose files were still in the page cache.
    """

    def __init__(self, path: Path, *, durable: bool = True) -> None:
        self.path = Path(path)
        self.durable = durable

    def current(self) -> str | None:
        """The name of the published version, or None when nothing was ever published."""
        try:
            name = (self.path / POINTER).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        if version_number(name) is None:
            raise OSError(f"{self.path / POINTER} holds {name!r}, not a version name")
        return name

    def current_path(self) -> Path | None:
        """The directory of the published version, or None."""
        name = self.current()
        return None if name is None else self.path / name

    def begin(self) -> Path:
        """Create and return an empty private directory for the next version."""
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.path / f"{TMP_PREFIX}{uuid.uuid4().hex}"
        tmp.mkdir()
        return tmp

    def abort(self, tmp: Path) -> None:
        """Remove an unpublished version directory (after a failed write)."""
        shutil.rmtree(tmp, ignore_errors=True)

    def publish(self, tmp: Path) -> str:
        """Make ``tmp`` (from :meth:`begin`) the current version; return its name.

        Old versions except the one just replaced are deleted afterwards, along with any
        directory a crashed writer left behind. Call with the writer lock held.
        """
        if self.durable:
            for file in sorted(tmp.rglob("*"), reverse=True):
                fsync_path(file)
            fsync_path(tmp)
        previous = self.current()
        numbers = [version_number(p.name) for p in self.path.iterdir()]
        number = max([n for n in numbers if n is not None], default=0) + 1
        name = f"v{number:06d}"
        os.rename(tmp, self.path / name)
        pointer_tmp = self.path / f"{TMP_PREFIX}{POINTER}-{uuid.uuid4().hex}"
        pointer_tmp.write_text(name + "\n", encoding="ascii")
        if self.durable:
            fsync_path(pointer_tmp)
        os.replace(pointer_tmp, self.path / POINTER)
        if self.durable:
            fsync_path(self.path)
        self.collect(keep=(name, previous))
        return name

    def collect(self, keep: tuple[str | None, ...]) -> None:
        """Delete every version and leftover except ``keep`` (writer lock held)."""
        for entry in self.path.iterdir():
            if entry.name == POINTER or entry.name in keep:
                continue
            if version_number(entry.name) is None and not entry.name.startswith(TMP_PREFIX):
                continue  # not ours: leave it alone
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)  # a reader on Windows may hold a file
            else:
                entry.unlink(missing_ok=True)

    def remove(self) -> None:
        """Delete the whole dataset directory (writer lock held)."""
        if not self.path.exists():
            return
        pointer = self.path / POINTER
        # Unpublish first: a reader either sees the whole old version or no dataset at all.
        pointer.unlink(missing_ok=True)
        shutil.rmtree(self.path, ignore_errors=True)


@contextmanager
def file_lock(path: Path, *, timeout: float = 60.0) -> Iterator[None]:
    """Hold an exclusive inter-process lock on ``path`` (created if missing).

    Raises :class:`TemporaryError` when another process holds it for longer than ``timeout``
    seconds.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with open(path, "a+b") as handle:
        fd = handle.fileno()
        while True:
            try:
                _lock(fd)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    raise TemporaryError(
                        f"{path} is locked by another writer for more than {timeout:.0f} s; "
                        "retry when the other import has finished"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            _unlock(fd)


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
