"""Error types shared by all layers, and how user text is shown safely.

Every error a user can cause carries a Chinese message that names the place
(file, sheet, field, line); the CLI and the GUI show ``str(error)`` and
nothing else.
"""

import re


class DeskError(Exception):
    """Base class: ``str(err)`` is a complete Chinese sentence for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(DeskError):
    """A value typed or imported by the user cannot be used."""


_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def shown(text: str) -> str:
    """``text`` safe to show on a terminal, in a log or a message box.

    Control characters (terminal escapes such as ESC[2J, carriage returns)
    and bidirectional overrides (U+202E …) are written as ``\\uXXXX``, which
    also keeps JSON valid; line breaks and tabs stay. The data itself is
    never changed: this is only how it is shown.
    """
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
