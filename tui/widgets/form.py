"""Form rows bound to settings fields: a label with the guide's number, the control, an error line.

Every row knows its field path (``outgoing.server_address``) and posts :class:`FieldEdited`
when the admin changes it; the pane writes the value into the one Settings object. Errors are
shown in place, under the field (and the Input gets Textual's ``-invalid`` class), from the same
``check_*`` functions the rest of the project validates with.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from tui.guide import field_label, field_number
from tui.widgets.ticks import TickBox

Check = Callable[[str], "str | None"]


class CheckValidator(Validator):
    """A Textual validator that asks one of ``tui.settings.validation``'s ``check_*`` functions."""

    def __init__(self, check: Check) -> None:
        super().__init__()
        self.check = check

    def validate(self, value: str) -> ValidationResult:
        message = self.check(value)
        return self.failure(message) if message else self.success()


def numbered_label(path: str, label: str | None = None) -> str:
    """``"14 Server address (Exchange/SMTP)"``: the guide's field number, then its label."""
    number = field_number(path)
    text = label or field_label(path)
    return f"{number} {text}" if number else text


def set_applies(widget: Widget, applies: bool) -> None:
    """Show a field a switch makes relevant, hide one it makes irrelevant; the one way to do it.

    A field that does not apply is hidden *and* disabled, so Tab never stops on it and what
    the screen shows is exactly the Tab path (a greyed-out field that Tab skips reads the same
    as an empty one without colour). Its text stays in the widget: switching back shows it
    again, nothing typed is lost. Focus never jumps: the admin Tabs on from the switch. Only
    when the focused widget itself is hidden does focus step back to the one before it.
    """
    focused = widget.screen.focused if widget.is_attached else None
    if not applies and focused is not None and widget in focused.ancestors_with_self:
        widget.screen.focus_previous()
    widget.display = applies
    widget.disabled = not applies


class FieldEdited(Message):
    """The admin changed the field at ``path`` to ``text`` (``valid`` per its check)."""

    def __init__(self, row: FieldRow, path: str, text: str, valid: bool) -> None:
        super().__init__()
        self.row = row
        self.path = path
        self.text = text
        self.valid = valid


class FieldRow(Vertical):
    """Base of the rows: label, control, error line."""

    DEFAULT_CSS = """
    FieldRow { height: auto; margin: 0 0 1 0; }
    FieldRow > .field-label { width: 1fr; }
    FieldRow > .field-error { color: $error; display: none; width: 1fr; }
    FieldRow.-has-error > .field-error { display: block; }
    FieldRow.-focused > .field-label { text-style: bold reverse; }
    """

    def __init__(self, path: str, *, label: str | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.path = path
        self.label_text = numbered_label(path, label)

    def compose_label(self) -> Label:
        return Label(Text(self.label_text), classes="field-label")

    def compose_error(self) -> Static:
        return Static("", classes="field-error")

    def set_error(self, message: str | None) -> None:
        # Runs on every keystroke: touch the error line only when its text changes (an update
        # of an auto-height Static costs a layout pass).
        if message == getattr(self, "_shown_error", None):
            return
        self._shown_error = message
        self.query_one(".field-error", Static).update(Text(message or ""))
        self.set_class(bool(message), "-has-error")

    @property
    def control(self) -> Input | Select[str] | Checkbox:
        raise NotImplementedError

    def focus_control(self) -> None:
        self.control.focus()

    def on_descendant_focus(self) -> None:
        # The label sits above the control: bring the whole row (label, control, error line)
        # into view, also when the control itself already was (Textual scrolls only then).
        self.call_after_refresh(self.scroll_visible, animate=False)
        # A class, not :focus-within: Textual does not restyle the label (a sibling of the
        # focused control) when only the pseudo-class changes. The sheet reverses the label.
        self.add_class("-focused")

    def on_descendant_blur(self) -> None:
        self.remove_class("-focused")


class FieldInput(FieldRow):
    """A text field: ``check`` judges it on every key; empty is an error only once revealed."""

    def __init__(
        self,
        path: str,
        value: str,
        *,
        check: Check | None = None,
        password: bool = False,
        placeholder: str = "",
        label: str | None = None,
        mask_when_blurred: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(path, label=label, id=id)
        self.initial = value
        self.check = check
        self.password = password
        self.placeholder = placeholder
        self.mask_when_blurred = mask_when_blurred
        self.revealed = False

    def compose(self) -> ComposeResult:
        yield self.compose_label()
        yield Input(
            self.initial,
            placeholder=self.placeholder,
            password=self.password or self.mask_when_blurred,
            validators=[CheckValidator(self.check)] if self.check else None,
            validate_on=["changed", "submitted", "blur"],
            compact=True,
            select_on_focus=False,
        )
        yield self.compose_error()

    def on_mount(self) -> None:
        self.show_check(self.initial)

    @property
    def control(self) -> Input:
        return self.query_one(Input)

    @property
    def value(self) -> str:
        return self.control.value

    def error_for(self, text: str) -> str | None:
        return self.check(text) if self.check else None

    def show_check(self, text: str) -> str | None:
        """Judge ``text``; show the message unless it only says "missing" and not yet revealed."""
        message = self.error_for(text)
        visible = message if (text.strip() or self.revealed) and not self.disabled else None
        self.set_error(visible)
        self.control.set_class(bool(visible), "-invalid")
        return message

    def watch_disabled(self, disabled: bool) -> None:
        # A field that does not apply (the client secret under the user name/password flow)
        # shows no error; enabling it judges it again.
        if self.query(Input):  # not before it has composed
            self.show_check(self.value)

    def reveal(self) -> None:
        """From now on an empty field is shown as an error too (after a visit, or a go-to)."""
        self.revealed = True
        self.show_check(self.value)

    def set_value(self, text: str) -> None:
        """Show a value from the settings without reporting it as an edit."""
        if self.control.value != text:
            with self.control.prevent(Input.Changed):
                self.control.value = text
            self.show_check(text)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        message = self.show_check(event.value)
        self.post_message(FieldEdited(self, self.path, event.value, message is None))

    @on(Input.Blurred)
    def _blurred(self, event: Input.Blurred) -> None:
        self.reveal()
        if self.mask_when_blurred:
            self.control.password = True

    def on_descendant_focus(self) -> None:
        super().on_descendant_focus()
        if self.mask_when_blurred:
            self.control.password = self.password


class FieldSelect(FieldRow):
    """A choice from a fixed list (E-mail method, Authentication flow, Service)."""

    def __init__(
        self,
        path: str,
        value: str,
        choices: dict[str, str],
        *,
        label: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(path, label=label, id=id)
        self.initial = value
        self.choices = choices

    def compose(self) -> ComposeResult:
        yield self.compose_label()
        options = [(Text(text), key) for key, text in self.choices.items()]
        value = self.initial if self.initial in self.choices else Select.NULL
        yield Select(options, value=value, allow_blank=False, compact=True)
        yield self.compose_error()

    @property
    def control(self) -> Select[str]:
        return self.query_one(Select)

    def set_value(self, value: str) -> None:
        if value in self.choices and self.control.value != value:
            with self.control.prevent(Select.Changed):
                self.control.value = value

    @on(Select.Changed)
    def _changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.post_message(FieldEdited(self, self.path, event.value, True))


class FieldCheckbox(FieldRow):
    """A yes/no field (18 Use SSL), shown as a checkbox carrying the numbered label."""

    DEFAULT_CSS = "FieldCheckbox { margin: 0 0 1 0; }"

    def __init__(
        self, path: str, value: bool, *, label: str | None = None, id: str | None = None
    ) -> None:
        super().__init__(path, label=label, id=id)
        self.initial = value

    def compose(self) -> ComposeResult:
        yield TickBox(Text(self.label_text), self.initial, compact=True)
        yield self.compose_error()

    @property
    def control(self) -> Checkbox:
        return self.query_one(Checkbox)

    def set_value(self, value: bool) -> None:
        if self.control.value != value:
            with self.control.prevent(Checkbox.Changed):
                self.control.value = value

    @on(Checkbox.Changed)
    def _changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.post_message(FieldEdited(self, self.path, "yes" if event.value else "no", True))
