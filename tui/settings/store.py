"""The TOML settings file: load, save atomically and privately, never lose the admin's work.

- A file that does not parse is reported with line and column (:class:`SettingsFileError`) and
  is never overwritten: the store refuses to save over a file it could not read.
- Saves go to a temporary file in the same folder (mode 0600), are fsynced, and replace the old
  file with one rename, so a crash or Ctrl+C leaves either the old or the new file, never half of
  one. The previous version is kept as ``<name>.bak`` (also 0600).
- The tomlkit document of the loaded text is updated in place at save time, so comments, ordering
  and keys this version does not know survive a load/edit/save round trip. Loading itself reads
  with the standard library's ``tomllib`` (about 6x faster, and tomlkit's import is not paid
  before the wizard's first frame); tomlkit parses the kept text when a save needs it, and gives
  the error report when ``tomllib`` refuses a file.
- A file changed on disk since it was loaded is not clobbered: :class:`ChangedOnDiskError`,
  unless the caller says ``force=True`` after asking the admin.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.settings.codec import FieldError, from_table, new_document, update_table
from tui.settings.model import Settings

if TYPE_CHECKING:
    from tomlkit.toml_document import TOMLDocument

try:
    from tomllib import loads as _read_toml
except ModuleNotFoundError:  # Python 3.10: tomlkit reads as well, as it did before
    _read_toml = None

PRIVATE_MODE = 0o600


class SettingsFileError(Exception):
    """The settings file cannot be used as it is; it has been left untouched."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: int | None = None):
        self.path = path
        self.message = message
        self.line = line
        self.column = column
        where = f"{path}"
        if line is not None:
            where += f", line {line}" + (f", column {column}" if column is not None else "")
        super().__init__(f"{where}: {message}")


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
        line = _line_of(text, exc.path)
        raise SettingsFileError(path, str(exc), line, 1 if line else None) from None
    except RecursionError:
        raise SettingsFileError(path, "nested too deeply") from None
    return settings, doc


def _parse_document(text: str, path: Path) -> TOMLDocument:
    """The text as a tomlkit document (comments and layout kept); a SettingsFileError with the
    position when it does not parse."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        return tomlkit.parse(text)
    except ParseError as exc:
        message = str(exc).split(" at line ")[0]
        # tomlkit counts columns from 0; editors and admins count from 1.
        raise SettingsFileError(path, message, exc.line, exc.col + 1) from None
    except Exception as exc:  # tomlkit raises a few other types on odd input
        raise SettingsFileError(path, f"not valid TOML ({exc})") from None


def _line_of(text: str, key_path: str) -> int | None:
    """Best-effort line of ``a.b.c`` / ``incoming.accounts[2].email`` in the text, for the report."""
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
    # The bytes themselves: a settings file is small, and comparing them costs less than
    # importing hashlib before the first frame.
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
        return self.path.exists()

    def _read_bytes(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SettingsFileError(self.path, f"cannot read the file ({exc.strerror})") from None

    def load(self) -> Settings:
        """The file's settings, or defaults when there is no file yet."""
        data = self._read_bytes()
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
        """Write settings atomically with mode 0600; keep the previous version as ``.bak``."""
        if self._unreadable and not force:
            raise SettingsFileError(self.path, "the file could not be read, so it is not overwritten")
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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if current is not None:
            _write_atomic(self.path.with_name(self.path.name + ".bak"), current)
        _write_atomic(self.path, data)
        self._doc = doc
        self._text = None
        self._loaded_fingerprint = _fingerprint(data)
        self._unreadable = False
        return self.path


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, PRIVATE_MODE)
        with os.fdopen(fd, "wb") as fh:
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
