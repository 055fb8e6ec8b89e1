"""``python -m arrow_sus.cli``: the same as the ``arrow-sus`` command."""

from arrow_sus.cli import main

main()
