"""edusync: keeps Norwegian schools' and universities' systems in step."""

__version__ = "0.1.0"
