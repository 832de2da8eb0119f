"""Security adapters: Argon2id password hashing and HS256 JWT access tokens."""
