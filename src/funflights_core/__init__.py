"""FunWithFlights domain core: pure Python, standard library and attrs only.

Merged companies import this package; it performs no I/O of its own and talks to the
world only through the ports (``typing.Protocol``) it declares.
"""
