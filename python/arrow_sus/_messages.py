"""Arguments named in messages the way the caller wrote them.

The same check runs under ``arrow_sus.scan(..., year=2023)`` and ``arrow-sus get --year 2023``; its error
should name the argument in the caller's own terms. Messages build the name with :func:`argument`, which
gives ``year`` or ``year=2023`` by default and ``--year`` or ``--year 2023`` while a command of the command line runs.
"""

from __future__ import annotations

import contextvars

_COMMAND_LINE = contextvars.ContextVar("arrow_sus_command_line_terms", default=False)

_MISSING = object()


def argument(name: str, example: object = _MISSING) -> str:
    """``name`` / ``name=<example>`` from Python; ``--name`` / ``--name <example>`` on the command line.

    Python names use ``_`` and flags ``-`` (``max_connections`` is ``--max-connections``). An example that
    is a string is quoted in Python terms (``uf='SP'``) and bare on the command line (``--uf SP``); a list is
    comma-separated there (``--uf SP,RJ``)."""
    if _COMMAND_LINE.get():
        flag = "--" + name.replace("_", "-")
        if isinstance(example, (list, tuple)):
            example = ",".join(map(str, example))
        return flag if example is _MISSING else f"{flag} {example}"
    return name if example is _MISSING else f"{name}={example!r}"


def command_line_terms() -> bool:
    """Whether a command of the command line runs (messages built in the engine take the style as an argument)."""
    return _COMMAND_LINE.get()


def switch(name: str) -> str:
    """A yes/no argument turned on: ``name=True`` from Python, ``--name`` on the command line."""
    return "--" + name.replace("_", "-") if _COMMAND_LINE.get() else f"{name}=True"


def none_for_all() -> str:
    """How to ask for every value of an argument: pass ``None`` in Python, leave the option out on the CLI."""
    return "leave it out for all" if _COMMAND_LINE.get() else "or None for all"


def enter_command_line_terms() -> contextvars.Token[bool]:
    """Switches to command-line terms until :func:`leave_command_line_terms` (the CLI's root callback enters
    them and Click's context leaves them when the command ends)."""
    return _COMMAND_LINE.set(True)


def leave_command_line_terms(token: contextvars.Token[bool]) -> None:
    """Undoes :func:`enter_command_line_terms`."""
    _COMMAND_LINE.reset(token)
