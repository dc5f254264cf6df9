"""Save in training mode (``--demo`` without ``--config``): where the file goes, and elsewhere.

The demo keeps its settings in a private temporary folder that is removed on exit (it holds the
trainee's passwords). Ctrl+S says so before saving there, and offers to save to a path of the
trainee's choosing instead: typed, checked (the folder must exist), and saved atomically by the
app's own store, which then saves there for the rest of the session.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from tui.screens.dialogs import DIALOG_CSS, DialogBox
from tui.settings.store import ChangedOnDiskError, SettingsFileError

if TYPE_CHECKING:
    from tui.app import MailSetupApp


def target_file(text: str, *, name: str = "settings.toml") -> tuple[Path | None, str]:
    """(the file to write, "") or (None, what is wrong) for a typed path.

    A folder that exists gets ``name`` inside it; otherwise the file's folder must exist (the
    trainee should not create folders by a typo).
    """
    raw = text.strip()
    if not raw:
        return None, "Type the path of the file to save to."
    if any(ord(c) < 32 or ord(c) == 127 for c in raw):
        return None, "The path contains control characters."
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    if path.is_dir():
        return path / name, ""
    if not path.parent.is_dir():
        return None, f"The folder {path.parent} does not exist."
    if path.exists() and not path.is_file():
        return None, f"{path} is not a regular file."
    return path, ""


class DemoSaveScreen(ModalScreen[str]):
    """Answers "here" (save to the temporary file), "elsewhere" (saved already) or "cancel"."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="DemoSaveScreen") + """
    DemoSaveScreen #elsewhere { height: auto; display: none; margin: 0 0 1 0; }
    DemoSaveScreen.-elsewhere #elsewhere { display: block; }
    DemoSaveScreen #elsewhere-error { display: none; color: $error; text-style: bold; }
    """

    def __init__(self, temporary_path: Path, *, then_quit: bool = False) -> None:
        super().__init__()
        self.temporary_path = temporary_path
        self.then_quit = then_quit
        self.confirmed_overwrite: Path | None = None

    @property
    def wizard(self) -> MailSetupApp:
        return cast("MailSetupApp", self.app)

    def compose(self) -> ComposeResult:
        text = Text("Training mode: the settings file is\n", style="bold")
        text.append(f"  {self.temporary_path}\n")
        text.append(
            "That folder is removed when the wizard exits, with the file in it. "
            "To keep the settings, save them elsewhere."
        )
        with DialogBox():
            yield Static(text, id="demo-save-text", classes="dialog-text")
            # The path goes above the buttons, which stay on the dialog's last line (docked:
            # toasts may squeeze the dialog), so what is seen and Tab go in the same order.
            with Vertical(id="elsewhere"):
                yield Static("Save to (a file, or a folder for settings.toml); Enter saves:")
                yield Input(
                    str(Path.cwd() / "mailsetup-settings.toml"), id="elsewhere-path", compact=True
                )
                yield Static("", id="elsewhere-error")
            with Horizontal(classes="dialog-buttons"):
                here = "Save here and quit" if self.then_quit else "Save here"
                yield Button(here, id="save-here", variant="primary", compact=True)
                yield Button("Save elsewhere…", id="save-elsewhere", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#save-here", Button).focus()

    @on(Button.Pressed, "#save-here")
    def _here(self) -> None:
        self.dismiss("here")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss("cancel")

    @on(Button.Pressed, "#save-elsewhere")
    def _elsewhere(self) -> None:
        self.add_class("-elsewhere")
        field = self.query_one("#elsewhere-path", Input)
        field.focus()
        field.cursor_position = len(field.value)

    @on(Input.Changed, "#elsewhere-path")
    def _typed(self) -> None:
        self.confirmed_overwrite = None
        self._error("")

    @on(Input.Submitted, "#elsewhere-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path, problem = target_file(event.value)
        if path is None:
            self._error(problem)
            return
        force = self.confirmed_overwrite == path
        try:
            self.wizard.save_elsewhere(path, force=force)
        except ChangedOnDiskError:
            self.confirmed_overwrite = path
            self._error(f"{path} exists. Enter again replaces it (the old one is kept as .bak).")
            return
        except (SettingsFileError, OSError) as exc:
            self._error(f"Not saved: {exc}")
            return
        self.dismiss("elsewhere")

    def _error(self, message: str) -> None:
        shown = self.query_one("#elsewhere-error", Static)
        shown.update(Text(message))
        shown.display = bool(message)  # no empty line between the path and the buttons
