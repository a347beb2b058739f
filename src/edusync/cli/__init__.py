"""The ``edusync`` command line (Typer + Rich): a thin edge over :mod:`edusync.services`."""
