"""Text from outside made safe for a terminal: no control characters, no escape sequences.

Server answers (an ``error_description``), settings values and exception messages can carry
``ESC ] 52`` (a clipboard write), window-title sequences, screen clears, C1 controls (the 8-bit
forms of the same), lone carriage returns or backspaces that overwrite what was printed before,
and bidirectional overrides that make text read differently from what it is. :func:`terminal_safe`
removes all of them; ``mailsetup check`` runs every line it prints through it and the wizard
every text from a check it shows. JSON output keeps the data whole: :func:`json_safe` only turns
the characters JSON leaves raw with ``ensure_ascii=False`` (C1, DEL, bidi) into ``\\u`` escapes.

Headless and dependency-free, so the CLI, the checks and the widgets can all import it.
"""

from __future__ import annotations

import re

# ESC or its 8-bit C1 twin, then what the sequence carries:
# - CSI (ESC [ / 0x9b): parameters and intermediates, then one final byte;
# - OSC, DCS, SOS, PM, APC (ESC ] P X ^ _ / 0x9d 0x90 0x98 0x9e 0x9f): a string up to BEL or ST,
#   or to the end of the text when the terminator never comes (a terminal would wait for it);
# - any other ESC: one character (ESC c resets the terminal, ESC 7/8 move the cursor …).
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])(?:[^\x07\x1b\x9c]*)(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?",
)
# Whatever control is left: C0 (tab and newline handled apart), DEL, C1, and the Unicode format
# characters that reorder or hide text (bidi embeddings, overrides, isolates; line separators).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\x85]")
# The characters json.dumps(ensure_ascii=False) leaves raw but a terminal may act on.
_JSON_RAW = re.compile(r"[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def terminal_safe(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` with every escape sequence and control character removed.

    Tabs become a space. Line breaks (CR LF, lone CR, LF, U+2028 …) become a space, or ``\\n``
    with ``keep_newlines`` — a lone CR never survives, so nothing can overwrite a printed line.
    """
    value = str(text)
    if value.isprintable():  # the usual case: nothing to do
        return value
    value = _SEQUENCE.sub("", value)
    value = _LINE_BREAKS.sub("\n" if keep_newlines else " ", value)
    value = value.replace("\t", " ")
    return _CONTROL.sub("", value)


def json_safe(document: str) -> str:
    """A JSON text with the characters ``ensure_ascii=False`` leaves raw escaped as ``\\uXXXX``.

    Those characters can only occur inside JSON strings, so the document means exactly the same.
    """
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
