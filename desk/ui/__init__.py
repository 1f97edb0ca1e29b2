"""The window (PySide6).

The modules the window uses that do not need Qt are imported here, before anything imports PySide6: from
then on PySide6's ``__feature__`` import hook reads the source of every module imported (to see whether it
uses PySide6), which costs the start-up time and memory.
"""

import tempfile  # noqa: F401

import desk.domain.checks  # noqa: F401
import desk.domain.library  # noqa: F401
import desk.domain.suggestions  # noqa: F401
import desk.logs  # noqa: F401
import desk.ops.checking  # noqa: F401
import desk.ops.document  # noqa: F401
import desk.ops.newyear  # noqa: F401
