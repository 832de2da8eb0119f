"""Use cases of identity: register, verify, sign in and out, refresh, reset, second factor."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NoReturn

import attrs

from funflights_core.access_token import AccessClaims, AccessTokenCodec
from funflights_core.attempt_counter import AttemptCounter
from funflights_core.clock import Clock
from funflights_core.email_address import normalise_email
from funflights_core.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    InvalidToken,
    MfaRequired,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from funflights_core.external_identity import ExternalTokenVerifier
from funflights_core.identity_policy import IdentityPolicy
from funflights_core.ids import IdGenerator
from funflights_core.mailer import Email, Mailer
from funflights_core.one_time_token import OneTimeToken, TokenPurpose
from funflights_core.password_hasher import PasswordHasher
from funflights_core.password_policy import check_password
from funflights_core.refresh_token import RefreshToken
from funflights_core.role import Role
from funflights_core.secret_token import new_secret, secret_digest
from funflights_core.tenant import AuthMethod, Tenant
from funflights_core.totp import Totp
from funflights_core.unit_of_work import TenantUnitOfWork, UnitOfWorkFactory
from funflights_core.user import User

_WRONG_CREDENTIALS = "wrong email or password"


@attrs.frozen
class TokenPair:
    """What a successful sign-in or refresh returns to the client."""

    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    claims: AccessClaims


@attrs.frozen
class TotpEnrolment:
    """A started enrolment: the secret to put in an authenticator app, and its URI."""

    secret: str
    provisioning_uri: str


class RevokedSessions:
    """Sessions (refresh-token families) signed out recently, checked on every request.

    A revoked family's access tokens must stop working at once, without a database read per
    request: the family is remembered in the shared counter store for as long as one of its
    access tokens could still be valid.
    """

    def __init__(self, counter: AttemptCounter, policy: IdentityPolicy) -> None:
        self._counter = counter
        self._ttl_s = policy.access_token_ttl_s + 60

    async def revoke(self, family_id: str) -> None:
        """Refuse the family's access tokens from now on."""
        await self._counter.hit(f"revoked-session:{family_id}", window_s=self._ttl_s)

    async def is_revoked(self, family_id: str) -> bool:
        """Whether the family was revoked while its tokens could still be valid."""
        return (await self._counter.peek(f"revoked-session:{family_id}")).count > 0


class IdentityService:
    """Accounts of every tenant; each call names the tenant it acts in."""

    def __init__(
        self,
        *,
        database: UnitOfWorkFactory,
        hasher: PasswordHasher,
        tokens: AccessTokenCodec,
        counter: AttemptCounter,
        mailer: Mailer,
        totp: Totp,
        ids: IdGenerator,
        clock: Clock,
        policy: IdentityPolicy | None = None,
        external: ExternalTokenVerifier | None = None,
    ) -> None:
        self._database = database
        self._hasher = hasher
        self._tokens = tokens
        self._counter = counter
        self._mailer = mailer
        self._totp = totp
        self._ids = ids
        self._clock = clock
        self._external = external
        self.policy = policy or IdentityPolicy()
        self.sessions = RevokedSessions(counter, self.policy)
        # Verifying against this when the account does not exist takes as long as a real
        # check, so response times do not tell which emails have accounts.
        self._decoy_hash: str | None = None
        self._verified: dict[str, AccessClaims] = {}

    # --- registration and verification --------------------------------------------------

    async def register(
        self, tenant: Tenant, *, email: str, password: str, full_name: str = ""
    ) -> User:
        """Create a customer account and email it a verification link."""
        if not tenant.accepts(AuthMethod.PASSWORD):
            raise PermissionDenied("this tenant does not accept password accounts")
        address = normalise_email(email)
        check_password(password, email=address)
        name = full_name.strip()
        if len(name) > 200:
            raise InvalidInput("full_name", "use at most 200 characters")
        user = User(
            id=self._ids.new_id(),
            tenant_id=tenant.id,
            email=address,
            password_hash=await self._hasher.hash(password),
            roles=frozenset({Role.CUSTOMER}),
            created_at=self._clock.now(),
            full_name=name,
            preferred_currency=tenant.default_currency,
            language=tenant.locale,
        )
        async with self._database.for_tenant(tenant.id) as uow:
            try:
                await uow.users.add(user)
            except Conflict:
                raise Conflict("an account with this email exists") from None
            secret = await self._one_time_token(uow, user, TokenPurpose.VERIFY_EMAIL)
            await uow.commit()
        await self._mailer.send(
            Email(
                tenant.id,
                user.email,
                "Confirm your email address",
                f"Welcome to {tenant.name}. Confirm your address with this code:\n\n{secret}\n",
            )
        )
        return user

    async def add_user(
        self, tenant: Tenant, *, email: str, password: str, roles: frozenset[Role]
    ) -> User:
        """Create an account with the given roles (operators only: staff, admins)."""
        address = normalise_email(email)
        check_password(password, email=address)
        if not roles:
            raise InvalidInput("roles", "give at least one role")
        user = User(
            id=self._ids.new_id(),
            tenant_id=tenant.id,
            email=address,
            password_hash=await self._hasher.hash(password),
            roles=roles,
            created_at=self._clock.now(),
            email_verified=True,
            preferred_currency=tenant.default_currency,
            language=tenant.locale,
        )
        async with self._database.for_tenant(tenant.id) as uow:
            await uow.users.add(user)
            await uow.commit()
        return user

    async def verify_email(self, tenant_id: str, token: str) -> User:
        """Mark the address of the token's user as verified."""
        async with self._database.for_tenant(tenant_id) as uow:
            stored = await self._use_one_time_token(uow, token, TokenPurpose.VERIFY_EMAIL)
            user = await self._user(uow, stored.user_id)
            verified = attrs.evolve(user, email_verified=True)
            await uow.users.update(verified)
            await uow.commit()
        return verified

    # --- signing in and out -------------------------------------------------------------

    async def login(
        self,
        tenant: Tenant,
        *,
        email: str,
        password: str,
        client_address: str,
        totp_code: str | None = None,
    ) -> TokenPair:
        """Check the credentials (and second factor) and open a session."""
        if not tenant.accepts(AuthMethod.PASSWORD):
            raise PermissionDenied("this tenant does not accept password sign-in")
        try:
            address = normalise_email(email)
        except InvalidInput:
            raise AuthenticationFailed(_WRONG_CREDENTIALS) from None
        account_key = f"login:{tenant.id}:{address}"
        address_key = f"login-address:{client_address}"
        await self._refuse_if_throttled(account_key, address_key)
        async with self._database.for_tenant(tenant.id) as uow:
            user = await uow.users.by_email(address)
        if user is None or user.password_hash is None or user.is_erased:
            await self._hasher.verify(await self._decoy(), password)
            await self._failed(account_key, address_key)
        if not await self._hasher.verify(user.password_hash, password):
            await self._failed(account_key, address_key)
        mfa = False
        # Anyone who enrolled an authenticator signs in with it; staff and admins must enrol
        # before role-guarded endpoints accept them.
        if user.totp_confirmed and user.totp_secret:
            if not totp_code:
                raise MfaRequired("enter the code from your authenticator app")
            if not self._totp.verify(user.totp_secret, totp_code, at=self._clock.now()):
                await self._failed(account_key, address_key, "wrong authenticator code")
            mfa = True
        await self._counter.reset(account_key)
        async with self._database.for_tenant(tenant.id) as uow:
            if self._hasher.needs_rehash(user.password_hash):
                user = attrs.evolve(user, password_hash=await self._hasher.hash(password))
                await uow.users.update(user)
            pair = await self._open_session(uow, user, family_id=self._ids.new_id(), mfa=mfa)
            await uow.commit()
        return pair

    async def login_external(self, tenant: Tenant, *, id_token: str) -> TokenPair:
        """Open a session for the bearer of an ID token from the tenant's OIDC issuer.

        The account is found by its verified email address, or created as a customer.
        """
        if not tenant.accepts(AuthMethod.OIDC) or tenant.oidc is None or self._external is None:
            raise PermissionDenied("this tenant does not accept OpenID Connect sign-in")
        identity = await self._external.verify(tenant.oidc, id_token, now=self._clock.now())
        if not identity.email_verified:
            raise AuthenticationFailed("the issuer has not verified this email address")
        try:
            address = normalise_email(identity.email)
        except InvalidInput:
            raise AuthenticationFailed("the ID token's email address is not valid") from None
        async with self._database.for_tenant(tenant.id) as uow:
            user = await uow.users.by_email(address)
            if user is not None and user.is_erased:
                user = None
            if user is None:
                user = User(
                    id=self._ids.new_id(),
                    tenant_id=tenant.id,
                    email=address,
                    password_hash=None,
                    roles=frozenset({Role.CUSTOMER}),
                    created_at=self._clock.now(),
                    full_name=identity.name.strip()[:200],
                    email_verified=True,
                    preferred_currency=tenant.default_currency,
                    language=tenant.locale,
                )
                await uow.users.add(user)
            pair = await self._open_session(uow, user, family_id=self._ids.new_id(), mfa=False)
            await uow.commit()
        return pair

    async def refresh(self, tenant_id: str, refresh_token: str) -> TokenPair:
        """Exchange a refresh token for new tokens; a reused one ends its whole session."""
        now = self._clock.now()
        async with self._database.for_tenant(tenant_id) as uow:
            stored = await uow.refresh_tokens.by_digest(secret_digest(refresh_token))
            if stored is None or stored.revoked_at is not None:
                raise InvalidToken("unknown or revoked refresh token")
            if now >= stored.expires_at:
                raise InvalidToken("refresh token expired")
            if not await uow.refresh_tokens.mark_replaced(stored.id, now):
                # Used before: the token was copied. Whoever holds the family is cut off.
                await uow.refresh_tokens.revoke_family(stored.family_id, now)
                await uow.commit()
                await self.sessions.revoke(stored.family_id)
                raise InvalidToken("refresh token reused; the session was ended, sign in again")
            user = await uow.users.get(stored.user_id)
            if user is None or user.is_erased:
                raise InvalidToken("the account no longer exists")
            pair = await self._open_session(uow, user, family_id=stored.family_id, mfa=stored.mfa)
            await uow.commit()
        return pair

    async def logout(self, tenant_id: str, family_id: str) -> None:
        """End a session: its refresh tokens and its access tokens stop working."""
        async with self._database.for_tenant(tenant_id) as uow:
            await uow.refresh_tokens.revoke_family(family_id, self._clock.now())
            await uow.commit()
        await self.sessions.revoke(family_id)

    async def authenticate(self, token: str) -> AccessClaims:
        """The claims of a valid, unrevoked access token, or ``InvalidToken``."""
        now = self._clock.now()
        claims = self._verified.get(token)
        if claims is None or now >= claims.expires_at:
            claims = self._tokens.verify(token, now=now)
            # A verified token's claims never change: checking its signature again on every
            # request of the same client is most of the cost of a request.
            if len(self._verified) >= 10_000:
                self._verified.clear()
            self._verified[token] = claims
        if await self.sessions.is_revoked(claims.family_id):
            raise InvalidToken("the session was ended")
        return claims

    # --- password reset -----------------------------------------------------------------

    async def request_password_reset(self, tenant: Tenant, email: str) -> None:
        """Email a reset code if the account exists (the caller cannot tell either way)."""
        try:
            address = normalise_email(email)
        except InvalidInput:
            return
        async with self._database.for_tenant(tenant.id) as uow:
            user = await uow.users.by_email(address)
            if user is None or user.is_erased:
                return
            secret = await self._one_time_token(uow, user, TokenPurpose.RESET_PASSWORD)
            await uow.commit()
        await self._mailer.send(
            Email(
                tenant.id,
                user.email,
                "Reset your password",
                f"Use this code within the hour to choose a new password:\n\n{secret}\n\n"
                "If you did not ask for it, ignore this message.",
            )
        )

    async def reset_password(self, tenant_id: str, token: str, new_password: str) -> None:
        """Set a new password with a reset code; every session of the account ends."""
        async with self._database.for_tenant(tenant_id) as uow:
            stored = await uow.one_time_tokens.by_digest(secret_digest(token))
            if stored is None or stored.purpose is not TokenPurpose.RESET_PASSWORD:
                raise InvalidToken("unknown or used reset code")
            user = await self._user(uow, stored.user_id)
            check_password(new_password, email=user.email)
            await self._use_one_time_token(uow, token, TokenPurpose.RESET_PASSWORD)
            changed = attrs.evolve(user, password_hash=await self._hasher.hash(new_password))
            await uow.users.update(changed)
            families = await uow.refresh_tokens.active_families(user.id)
            await uow.refresh_tokens.revoke_user(user.id, self._clock.now())
            await uow.commit()
        for family_id in families:
            await self.sessions.revoke(family_id)

    # --- second factor ------------------------------------------------------------------

    async def start_totp_enrolment(self, tenant_id: str, user_id: str) -> TotpEnrolment:
        """Give the user a new authenticator secret (not active until confirmed)."""
        async with self._database.for_tenant(tenant_id) as uow:
            user = await self._user(uow, user_id)
            if user.totp_confirmed:
                raise Conflict("an authenticator is already enrolled")
            secret = self._totp.new_secret()
            await uow.users.update(attrs.evolve(user, totp_secret=secret))
            await uow.commit()
        uri = self._totp.provisioning_uri(
            secret, account=user.email, issuer=self.policy.issuer_name
        )
        return TotpEnrolment(secret, uri)

    async def confirm_totp_enrolment(self, tenant_id: str, user_id: str, code: str) -> None:
        """Activate the authenticator once it produced a valid code."""
        async with self._database.for_tenant(tenant_id) as uow:
            user = await self._user(uow, user_id)
            if user.totp_secret is None or user.totp_confirmed:
                raise Conflict("start an enrolment first")
            if not self._totp.verify(user.totp_secret, code, at=self._clock.now()):
                raise InvalidInput("code", "is not the current code of the authenticator")
            await uow.users.update(attrs.evolve(user, totp_confirmed=True))
            await uow.commit()

    # --- internals ----------------------------------------------------------------------

    async def _open_session(
        self, uow: TenantUnitOfWork, user: User, *, family_id: str, mfa: bool
    ) -> TokenPair:
        # Whole seconds: token times are whole seconds, so the claims returned here equal
        # the claims a later verification reads back.
        now = self._clock.now().replace(microsecond=0)
        secret = new_secret()
        refresh_expires = now + timedelta(seconds=self.policy.refresh_token_ttl_s)
        await uow.refresh_tokens.add(
            RefreshToken(
                id=self._ids.new_id(),
                tenant_id=user.tenant_id,
                user_id=user.id,
                family_id=family_id,
                digest=secret_digest(secret),
                issued_at=now,
                expires_at=refresh_expires,
                mfa=mfa,
            )
        )
        claims = AccessClaims(
            subject=user.id,
            tenant_id=user.tenant_id,
            roles=user.roles,
            issued_at=now,
            expires_at=now + timedelta(seconds=self.policy.access_token_ttl_s),
            token_id=self._ids.new_id(),
            family_id=family_id,
            mfa=mfa,
        )
        return TokenPair(
            access_token=self._tokens.issue(claims),
            refresh_token=secret,
            access_expires_at=claims.expires_at,
            refresh_expires_at=refresh_expires,
            claims=claims,
        )

    async def _one_time_token(
        self, uow: TenantUnitOfWork, user: User, purpose: TokenPurpose
    ) -> str:
        ttl = (
            self.policy.verify_email_ttl_s
            if purpose is TokenPurpose.VERIFY_EMAIL
            else self.policy.reset_password_ttl_s
        )
        secret = new_secret()
        await uow.one_time_tokens.add(
            OneTimeToken(
                digest=secret_digest(secret),
                tenant_id=user.tenant_id,
                user_id=user.id,
                purpose=purpose,
                expires_at=self._clock.now() + timedelta(seconds=ttl),
            )
        )
        return secret

    async def _use_one_time_token(
        self, uow: TenantUnitOfWork, token: str, purpose: TokenPurpose
    ) -> OneTimeToken:
        now = self._clock.now()
        stored = await uow.one_time_tokens.by_digest(secret_digest(token))
        if stored is None or stored.purpose is not purpose or not stored.usable_at(now):
            raise InvalidToken("unknown, used or expired code")
        if not await uow.one_time_tokens.mark_used(stored.digest, now):
            raise InvalidToken("unknown, used or expired code")
        return stored

    @staticmethod
    async def _user(uow: TenantUnitOfWork, user_id: str) -> User:
        user = await uow.users.get(user_id)
        if user is None or user.is_erased:
            raise NotFound("no such account")
        return user

    async def _refuse_if_throttled(self, account_key: str, address_key: str) -> None:
        account = await self._counter.peek(account_key)
        address = await self._counter.peek(address_key)
        limits = (
            (account, self.policy.failed_logins_per_account),
            (address, self.policy.failed_logins_per_address),
        )
        waits = [window.resets_in_s for window, limit in limits if window.count >= limit]
        if waits:
            raise TooManyAttempts(max(waits))

    async def _failed(
        self, account_key: str, address_key: str, reason: str = _WRONG_CREDENTIALS
    ) -> NoReturn:
        window = self.policy.failed_login_window_s
        await self._counter.hit(account_key, window_s=window)
        await self._counter.hit(address_key, window_s=window)
        raise AuthenticationFailed(reason)

    async def _decoy(self) -> str:
        if self._decoy_hash is None:
            self._decoy_hash = await self._hasher.hash(new_secret())
        return self._decoy_hash
