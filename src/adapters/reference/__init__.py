"""ReferenceData adapters: airlines and aircraft types."""
