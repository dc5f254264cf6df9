"""Opening the files the settings name (the settings file itself, ``azure.ca_bundle``) safely.

Such a path can point anywhere, by mistake or on purpose: a FIFO blocks its reader forever (and
then even Ctrl+C waits), ``/dev/zero`` never ends, a folder or a socket is not a file, and a file
in a folder this user cannot enter raises PermissionError. So these helpers

- accept regular files only, judged by ``stat`` before opening (opening some devices has side
  effects: a tape rewinds) and by ``fstat`` of what was opened (the path may change in between);
- open with ``O_NONBLOCK``, so even a FIFO that slips through cannot block the ``open``;
- refuse files over a size bound before reading a byte, and stop reading one byte past it;
- turn every ``OSError`` into :class:`UnusableFile`, whose text is one plain line.

No Textual and no network here: the loader, validation and the checks all use it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

SETTINGS_MAX_BYTES = 1 << 20  # a real settings file is a few kB; 1 MiB leaves room for comments
# certifi's bundle is about 0.3 MB and a system bundle a little less; a proxy root or two adds
# a few kB. 4 MiB is far above any real bundle and still cheap to load.
CA_BUNDLE_MAX_BYTES = 4 << 20
_CHUNK = 1 << 16


class UnusableFile(OSError):
    """The file cannot be used; ``reason`` says why in one line, ``missing`` if it is not there.

    An ``OSError`` so that code which already handles I/O errors handles this one too."""

    def __init__(self, path: str | os.PathLike[str], reason: str, *, missing: bool = False):
        super().__init__(reason)
        self.path = Path(path)
        self.reason = reason
        self.missing = missing

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def size_text(size: int) -> str:
    """A byte count the way people read it: 812 bytes, 3.4 kB, 1.0 MiB."""
    if size < 1000:
        return f"{size} byte" + ("" if size == 1 else "s")
    if size < 1 << 20:
        return f"{size / 1000:.1f} kB"
    return f"{size / (1 << 20):.1f} MiB"


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    return "not a regular file"


_REASONS = {
    errno.ENOENT: "no such file",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EACCES: (
        "permission denied (this user cannot read the file or enter a folder on its path)"
    ),
    errno.EPERM: "permission denied",
    errno.ELOOP: "too many symbolic links on the path (a link that points to itself?)",
    errno.ENAMETOOLONG: "the path is too long",
    errno.ENXIO: "a socket or a device with nothing behind it, not a file",
    errno.EISDIR: "a folder, not a file",
    errno.EIO: "input/output error while reading it (a disk or network file system problem)",
}


def unusable(path: str | os.PathLike[str], exc: OSError) -> UnusableFile:
    """The plain-words form of any ``OSError`` met while opening or reading ``path``."""
    if isinstance(exc, UnusableFile):
        return exc
    reason = _REASONS.get(exc.errno or 0) or (exc.strerror or type(exc).__name__).rstrip(".")
    return UnusableFile(path, reason, missing=exc.errno == errno.ENOENT)


def _judge(path: str | os.PathLike[str], st: os.stat_result, max_bytes: int) -> None:
    kind = _kind(st.st_mode)
    if kind:
        raise UnusableFile(path, kind)
    if st.st_size > max_bytes:
        raise UnusableFile(
            path, f"too large ({size_text(st.st_size)}; the limit is {size_text(max_bytes)})"
        )


def _open(path: str | os.PathLike[str], max_bytes: int) -> int:
    try:
        _judge(path, os.stat(path), max_bytes)  # follows links: a link to a file is fine
        flags = (
            os.O_RDONLY
            | getattr(os, "O_NONBLOCK", 0)
            | getattr(os, "O_NOCTTY", 0)
            | getattr(os, "O_CLOEXEC", 0)
        )
        fd = os.open(path, flags)
    except OSError as exc:
        raise unusable(path, exc) from None
    except ValueError:  # a NUL character in the path, or one the file system cannot encode
        raise UnusableFile(path, "the path holds a character no file name can have") from None
    try:
        _judge(path, os.fstat(fd), max_bytes)  # what was opened, not what was looked at
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_regular_file(path: str | os.PathLike[str], max_bytes: int) -> None:
    """Raise :class:`UnusableFile` unless ``path`` is a readable regular file of at most
    ``max_bytes``. Reads nothing: cheap enough for validation on every change."""
    os.close(_open(path, max_bytes))


def read_regular_file(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The whole content of a regular file of at most ``max_bytes``, or :class:`UnusableFile`."""
    fd = _open(path, max_bytes)
    chunks: list[bytes] = []
    total = 0
    try:
        # One byte past the bound at most: a file that grows while read is still refused.
        while total <= max_bytes:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise unusable(path, exc) from None
    finally:
        os.close(fd)
    if total > max_bytes:
        raise UnusableFile(path, f"too large (more than {size_text(max_bytes)})")
    return b"".join(chunks)
