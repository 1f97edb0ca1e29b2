"""Error types shared by all layers.

Every error a user can cause carries a Chinese message that names the place
(file, sheet, field, line); the CLI and the GUI show ``str(error)`` and
nothing else.
"""


class DeskError(Exception):
    """Base class: ``str(err)`` is a complete Chinese sentence for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(DeskError):
    """A value typed or imported by the user cannot be used."""
