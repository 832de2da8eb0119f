"""The numbers of identity: token lifetimes and login throttling limits."""

import attrs


@attrs.frozen
class IdentityPolicy:
    """How long tokens live and how many failed logins are tolerated."""

    access_token_ttl_s: int = 900
    refresh_token_ttl_s: int = 30 * 24 * 3600
    verify_email_ttl_s: int = 48 * 3600
    reset_password_ttl_s: int = 3600
    failed_logins_per_account: int = 5
    failed_logins_per_address: int = 20
    failed_login_window_s: int = 900
    issuer_name: str = "FunWithFlights"
    """Shown in authenticator apps next to the account."""
