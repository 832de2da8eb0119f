"""Adapters: implementations of the core's ports (providers, clocks, ...), fakes included."""
