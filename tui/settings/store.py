"""The TOML settings file: load, save atomically and privately, never lose the admin's work.

- Only a regular file of at most 1 MiB is read, opened without blocking (see
  :mod:`tui.settings.files`): a FIFO, a device, a folder, a socket, a huge file or any
  permission or I/O problem is one :class:`SettingsFileError` line, never a hang or a traceback.
- A file that does not parse is reported with line and column and a plain description
  (:mod:`tui.settings.toml_errors`), and is never overwritten: the store refuses to save over a
  file it could not read.
- Saves go to a temporary file next to the real file (through any symlink: the link stays, its
  target is updated), are fsynced, and replace the old file with one rename, so a crash or Ctrl+C
  leaves either the old or the new file, never half of one. An existing file keeps its owner,
  group and mode (a service that reads it keeps reading it); a new file is 0600. The previous
  version is kept as ``<target>.bak`` with the same owner, group and mode; with
  ``store_secrets = false`` the backup has its secrets removed too.
- The tomlkit document of the loaded text is updated in place at save time, so comments, ordering
  and keys this version does not know survive a load/edit/save round trip. Loading itself reads
  with ``tomli`` (compiled; else the standard library's ``tomllib``, the same parser): many times
  faster than tomlkit, whose import is not paid before the wizard's first frame. tomlkit parses
  the kept text when a save needs it, and gives the error report when the reader refuses a file
  (tomli refuses nesting deeper than 1000 levels in words, never with a crash).
- A file changed on disk since it was loaded is not clobbered: :class:`ChangedOnDiskError`,
  unless the caller says ``force=True`` after asking the admin.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.settings.codec import (
    FieldError,
    from_table,
    new_document,
    remove_secret_values,
    update_table,
)
from tui.settings.files import SETTINGS_MAX_BYTES, UnusableFile, read_regular_file
from tui.settings.model import Settings
from tui.settings.toml_errors import describe_other_error, describe_parse_error

if TYPE_CHECKING:
    from tomlkit.toml_document import TOMLDocument



def _toml_reader() -> Callable[[str], dict[str, Any]] | None:
    """tomli first: where its compiled wheel is installed it reads a 50-account file in half
    the time of tomllib (the same parser, pure Python), which the first frame waits for."""
    try:
        import tomli

        return tomli.loads
    except ModuleNotFoundError:
        pass
    try:
        import tomllib

        return tomllib.loads
    except ModuleNotFoundError:  # Python 3.10 without tomli: tomlkit reads as well
        return None


_read_toml = _toml_reader()

PRIVATE_MODE = 0o600


class SettingsFileError(Exception):
    """The settings file cannot be used as it is; it has been left untouched."""

    def __init__(
        self, path: Path, message: str, line: int | None = None, column: int | None = None
    ):
        self.path = path
        self.message = message
        self.line = line
        self.column = column
        super().__init__(f"{self.where}: {message}")

    @property
    def where(self) -> str:
        """The file and, when known, "line L, column C" (both counted from 1)."""
        where = f"{self.path}"
        if self.line is not None:
            where += f", line {self.line}"
            if self.column is not None:
                where += f", column {self.column}"
        return where


class ChangedOnDiskError(Exception):
    """The file was changed by someone else after it was loaded."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(f"{path} was changed on disk after it was loaded; not overwriting it")


def settings_from_toml(text: str, path: Path | str = "<text>") -> Settings:
    """Parse TOML text into Settings; any problem is a SettingsFileError with a position."""
    return _parse(text, Path(path))[0]


def settings_to_toml(settings: Settings) -> str:
    import tomlkit

    return tomlkit.dumps(new_document(settings))


def _parse(text: str, path: Path) -> tuple[Settings, TOMLDocument | None]:
    """The settings, and the tomlkit document when it had to be parsed (else ``None``: see
    :meth:`SettingsStore._document`)."""
    doc: TOMLDocument | None = None
    table: Any = None
    if _read_toml is not None:
        try:
            table = _read_toml(text)
        except Exception:  # TOMLDecodeError, RecursionError …: tomlkit reports it, as before
            table = None
    if table is None:
        # tomlkit's report, with its position (and its verdict, should the two ever differ).
        table = doc = _parse_document(text, path)
    try:
        settings = from_table(Settings, table)
    except FieldError as exc:
        found = _line_of(text, exc.path)
        raise SettingsFileError(path, str(exc), found, 1 if found else None) from None
    except RecursionError:
        raise SettingsFileError(path, "nested too deeply") from None
    return settings, doc


def _parse_document(text: str, path: Path) -> TOMLDocument:
    """The text as a tomlkit document (comments and layout kept); a SettingsFileError with the
    position and a plain description when it does not parse."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        return tomlkit.parse(text)
    except ParseError as exc:
        message, line, column = describe_parse_error(exc, text)
        raise SettingsFileError(path, message, line, column) from None
    except RecursionError:
        raise SettingsFileError(path, "not valid TOML (nested too deeply)") from None
    except Exception as exc:  # tomlkit raises a few other types on odd input
        raise SettingsFileError(path, *describe_other_error(exc, text)) from None


def _line_of(text: str, key_path: str) -> int | None:
    """Best-effort line of ``a.b.c`` / ``incoming.accounts[2].email`` in the text, for the
    report."""
    parts = re.sub(r"\[\d+\]", "", key_path).split(".")
    table, key = ".".join(parts[:-1]), parts[-1]
    current = ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", stripped)
        if header:
            current = header.group(1).replace(" ", "").replace('"', "")
            continue
        if re.match(rf"^{re.escape(key)}\s*=", stripped) and current == table:
            return number
    return None


def _fingerprint(data: bytes | None) -> bytes | None:
    # The bytes themselves: a settings file is small (1 MiB at most), and comparing them costs
    # less than importing hashlib before the first frame.
    return data


class SettingsStore:
    """One settings file: what was loaded from it, and safe saves back to it."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._doc: TOMLDocument | None = None
        self._text: str | None = None  # the loaded text, parsed by tomlkit when a save needs it
        self._loaded_fingerprint: bytes | None = None
        self._unreadable = False

    def exists(self) -> bool:
        """False only when there is certainly no file; anything else (a folder, a path this user
        cannot enter) counts as there, for :meth:`load` to report in words."""
        try:
            os.stat(self.path)
        except FileNotFoundError:
            return False
        except OSError:
            return True
        return True

    def _read_bytes(self) -> bytes | None:
        try:
            return read_regular_file(self.path, SETTINGS_MAX_BYTES)
        except UnusableFile as exc:
            if exc.missing:
                return None
            raise SettingsFileError(self.path, exc.reason) from None

    def load(self) -> Settings:
        """The file's settings, or defaults when there is no file yet."""
        try:
            data = self._read_bytes()
        except SettingsFileError:
            self._unreadable = True
            raise
        self._loaded_fingerprint = _fingerprint(data)
        if data is None:
            self._doc = self._text = None
            self._unreadable = False
            return Settings()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._unreadable = True
            line = data[: exc.start].count(b"\n") + 1
            raise SettingsFileError(self.path, "not UTF-8 text", line) from None
        try:
            settings, self._doc = _parse(text, self.path)
        except SettingsFileError:
            self._unreadable = True
            raise
        self._text = text
        self._unreadable = False
        return settings

    def _document(self) -> TOMLDocument | None:
        """The loaded file as a tomlkit document to update in place; None without a file."""
        if self._doc is None and self._text is not None:
            # tomllib read this text; tomlkit refusing it too is unlikely, and then the file is
            # left alone (SettingsFileError) rather than rewritten without its comments.
            self._doc = _parse_document(self._text, self.path)
        return self._doc

    def save(self, settings: Settings, *, force: bool = False) -> Path:
        """Write settings atomically; keep the previous version as ``.bak`` (see the module)."""
        if self._unreadable and not force:
            raise SettingsFileError(
                self.path, "the file could not be read, so it is not overwritten"
            )
        current = self._read_bytes()
        if not force and _fingerprint(current) != self._loaded_fingerprint:
            raise ChangedOnDiskError(self.path)
        import tomlkit

        doc = self._document()
        if doc is None:
            doc = new_document(settings)
        else:
            update_table(doc, settings, settings.store_secrets)
        data = tomlkit.dumps(doc).encode("utf-8")
        # Through a symlink, the file to replace is its target: the link itself stays, and the
        # temporary file sits next to the target, so the rename stays on one file system.
        target = Path(os.path.realpath(self.path))
        target.parent.mkdir(parents=True, exist_ok=True)
        kept = _existing(target)
        if current is not None:
            backup = target.with_name(target.name + ".bak")
            old = current if settings.store_secrets else _without_secrets(current)
            if old is None:
                # The old text cannot be cleaned of its secrets, and an older backup may still
                # hold them: no backup is better than one that keeps what was asked to go.
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(backup)
            else:
                _write_atomic(backup, old, kept)
        _write_atomic(target, data, kept)
        self._doc = doc
        self._text = None
        self._loaded_fingerprint = _fingerprint(data)
        self._unreadable = False
        return self.path


def _existing(path: Path) -> os.stat_result | None:
    """The current file's owner, group and mode, to give the new file; None for a new file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st if stat.S_ISREG(st.st_mode) else None


def _without_secrets(data: bytes) -> bytes | None:
    """The previous file with its secret values removed, or None when it cannot be read."""
    import tomlkit

    try:
        doc = tomlkit.parse(data.decode("utf-8"))
        remove_secret_values(doc, Settings)
        return tomlkit.dumps(doc).encode("utf-8")
    except Exception:  # an unparsable old file: the caller keeps no backup of it
        return None


def _take_over(fd: int, path: Path, like: os.stat_result) -> None:
    """Give the temporary file the replaced file's owner, group and mode."""
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) != (like.st_uid, like.st_gid):
        try:
            os.fchown(fd, like.st_uid, like.st_gid)  # root may; an owner may change the group
        except PermissionError:
            # Replacing it anyway would hand the file to this user, and the service that reads it
            # could lose access: refuse in words instead.
            raise SettingsFileError(
                path,
                f"cannot keep the file's owner and group ({like.st_uid}:{like.st_gid}) when "
                "replacing it; save as that user or as root",
            ) from None
    # After fchown, which clears set-id bits; the file's read/write bits are what services rely on.
    os.fchmod(fd, stat.S_IMODE(like.st_mode) & 0o777)


def _write_atomic(path: Path, data: bytes, like: os.stat_result | None = None) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:  # owns fd from here: closed once, whatever happens
            if like is None:
                os.fchmod(fh.fileno(), PRIVATE_MODE)
            else:
                _take_over(fh.fileno(), path, like)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:  # includes KeyboardInterrupt: never leave the temp file behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # the rename itself is durable only once the folder is
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def load_settings(path: Path | str) -> Settings:
    return SettingsStore(path).load()


def save_settings(settings: Settings, path: Path | str) -> Path:
    """Write a whole new file (or replace one), e.g. the sandbox's ``--write-config``."""
    store = SettingsStore(path)
    return store.save(settings, force=True)
