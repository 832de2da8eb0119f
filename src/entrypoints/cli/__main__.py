"""``python -m entrypoints.cli``: the same as the ``funflights`` command."""

from entrypoints.cli import main

main()
