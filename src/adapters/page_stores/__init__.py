"""PageStore adapters: in this process (the fake, and ``make run``), and Redis for all."""
