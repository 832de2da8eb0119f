"""Entrypoints: the core wired to the world (HTTP API, CLI), composed in ``bootstrap``."""
