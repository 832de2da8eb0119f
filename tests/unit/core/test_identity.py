"""Identity use cases over fakes: registration, sign-in, sessions, reset, second factor."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pyotp
import pytest

from adapters.attempt_counters.in_memory_counter import InMemoryAttemptCounter
from adapters.clocks import ManualClock
from adapters.identity.ids import SequentialIds
from adapters.identity.mailers import InMemoryMailer
from adapters.identity.pyotp_totp import PyotpTotp
from adapters.persistence.in_memory import InMemoryDatabase, default_tenant
from adapters.security.argon2_hasher import Argon2PasswordHasher
from adapters.security.jwt_access_tokens import JwtAccessTokens
from funflights_core.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    InvalidToken,
    MfaRequired,
    PermissionDenied,
    TooManyAttempts,
)
from funflights_core.identity import IdentityService, TokenPair
from funflights_core.role import Role
from funflights_core.tenant import AuthMethod

PASSWORD = "correct horse battery"
TENANT = default_tenant()


@attrs.define
class World:
    service: IdentityService
    database: InMemoryDatabase
    mailer: InMemoryMailer
    clock: ManualClock


@pytest.fixture
def world() -> World:
    clock = ManualClock(datetime(2030, 1, 1, tzinfo=UTC))
    database = InMemoryDatabase()
    mailer = InMemoryMailer()
    service = IdentityService(
        database=database,
        hasher=Argon2PasswordHasher.for_tests(),
        tokens=JwtAccessTokens(secret="s" * 32, issuer="funflights", audience="funflights-api"),
        counter=InMemoryAttemptCounter(clock),
        mailer=mailer,
        totp=PyotpTotp(),
        ids=SequentialIds(),
        clock=clock,
    )
    return World(service, database, mailer, clock)


async def login(world: World, email: str = "ada@example.com", **kwargs: str) -> TokenPair:
    return await world.service.login(
        TENANT,
        email=email,
        password=kwargs.pop("password", PASSWORD),
        client_address=kwargs.pop("client_address", "203.0.113.9"),
        **kwargs,
    )


async def test_registration_stores_a_customer_and_mails_a_verification_code(
    world: World,
) -> None:
    user = await world.service.register(
        TENANT, email="  Ada@Example.COM ", password=PASSWORD, full_name="Ada"
    )

    assert user.email == "ada@example.com"
    assert user.roles == frozenset({Role.CUSTOMER})
    assert not user.email_verified
    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$")
    assert (user.preferred_currency, user.language) == ("EUR", "en")
    code = world.mailer.last_code("ada@example.com")
    verified = await world.service.verify_email("default", code)
    assert verified.email_verified
    with pytest.raises(InvalidToken):
        await world.service.verify_email("default", code)  # single use


async def test_a_duplicate_email_in_the_same_tenant_is_a_conflict(world: World) -> None:
    await world.service.register(TENANT, email="ada@example.com", password=PASSWORD)

    with pytest.raises(Conflict):
        await world.service.register(TENANT, email="ADA@example.com", password=PASSWORD)


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("not-an-email", PASSWORD, "email"),
        ("ada@example.com", "short", "password"),
        ("ada@example.com", "aaaaaaaaaaaaaaaa", "password"),
        ("adalovelace@example.com", "my adalovelace pass", "password"),
    ],
)
async def test_bad_registrations_name_the_field_and_store_nothing(
    world: World, email: str, password: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        await world.service.register(TENANT, email=email, password=password)

    assert raised.value.field == field
    async with world.database.for_tenant("default") as uow:
        assert await uow.users.count() == 0
    assert world.mailer.sent == []


async def test_a_tenant_without_password_accounts_refuses_registration(world: World) -> None:
    oidc_only = attrs.evolve(TENANT, auth_methods=frozenset({AuthMethod.OIDC}))

    with pytest.raises(PermissionDenied):
        await world.service.register(oidc_only, email="ada@example.com", password=PASSWORD)


async def test_login_issues_tokens_that_authenticate(world: World) -> None:
    user = await world.service.register(TENANT, email="ada@example.com", password=PASSWORD)

    pair = await login(world)

    claims = await world.service.authenticate(pair.access_token)
    assert (claims.subject, claims.tenant_id, claims.roles) == (
        user.id,
        "default",
        frozenset({Role.CUSTOMER}),
    )
    assert not claims.mfa


@pytest.mark.parametrize(
    ("email", "password"),
    [("ada@example.com", "wrong password!"), ("nobody@example.com", PASSWORD), ("x", PASSWORD)],
)
async def test_wrong_credentials_fail_alike(world: World, email: str, password: str) -> None:
    await world.service.register(TENANT, email="ada@example.com", password=PASSWORD)

    with pytest.raises(AuthenticationFailed, match=r"^wrong email or password$"):
        await login(world, email, password=password)


async def test_failed_logins_are_throttled_per_account(world: World) -> None:
    await world.service.register(TENANT, email="ada@example.com", password=PASSWORD)
    for attempt in range(5):
        with pytest.raises(AuthenticationFailed):
            await login(world, password="wrong password!", client_address=f"10.0.0.{attempt}")

    with pytest.raises(TooManyAttempts) as raised:
        await login(world, client_address="10.0.0.99")  # even the right password

    assert 0 < raised.value.retry_after_s <= 900
    world.clock.advance(901)
    await login(world)


async def test_failed_logins_are_throttled_per_address(world: World) -> None:
    for n in range(20):
        with pytest.raises(AuthenticationFailed):
            await login(world, f"user{n}@example.com")

    with pytest.raises(TooManyAttempts):
        await login(world, "someone-else@example.com")
    await world.service.register(TENANT, email="ada@example.com", password=PASSWORD)
    await login(world, client_address="198.51.100.7")  # another address is not affected


async def test_a_refresh_rotates_and_a_reused_token_ends_the_session(world: World) -> None:
    await world.service.register(TENANT, email="ada@example.com", password=PASSWORD)
    first = await login(world)

    second = await world.service.refresh("default", first.refresh_token)
    assert second.refresh_token != first.refresh_token
    await world.service.authenticate(second.access_token)

    with pytest.raises(InvalidToken, match="reused"):
        await world.service.refresh("default", first.refresh_token)
    with pytest.raises(InvalidToken):
        await world.service.refresh("default", second.refresh_token)  # the whole family
    with pytest.raises(InvalidToken, match="ended"):
        await world.service.authenticate(second.access_token)


async def test_logout_revokes_refresh_and_access_tokens(world: World) -> None:
    await world.service.register(TENANT, email="ada@example.com", password=PASSWORD)
    pair = await login(world)
    other = await login(world)  # another device keeps its session

    await world.service.logout("default", pair.claims.family_id)

    with pytest.raises(InvalidToken):
        await world.service.authenticate(pair.access_token)
    with pytest.raises(InvalidToken):
        await world.service.refresh("default", pair.refresh_token)
    await world.service.authenticate(other.access_token)


async def test_tokens_expire(world: World) -> None:
    await world.service.register(TENANT, email="ada@example.com", password=PASSWORD)
    pair = await login(world)

    world.clock.advance(901)
    with pytest.raises(InvalidToken):
        await world.service.authenticate(pair.access_token)
    world.clock.advance(30 * 24 * 3600)
    with pytest.raises(InvalidToken, match="expired"):
        await world.service.refresh("default", pair.refresh_token)


async def test_a_refresh_token_of_another_tenant_is_unknown(world: World) -> None:
    await world.service.register(TENANT, email="ada@example.com", password=PASSWORD)
    pair = await login(world)

    with pytest.raises(InvalidToken):
        await world.service.refresh("acme", pair.refresh_token)


async def test_password_reset_by_code_ends_every_session(world: World) -> None:
    await world.service.register(TENANT, email="ada@example.com", password=PASSWORD)
    pair = await login(world)

    await world.service.request_password_reset(TENANT, "ADA@example.com")
    code = world.mailer.last_code("ada@example.com")
    await world.service.reset_password("default", code, "a brand new passphrase")

    with pytest.raises(AuthenticationFailed):
        await login(world)
    await login(world, password="a brand new passphrase")
    with pytest.raises(InvalidToken):
        await world.service.refresh("default", pair.refresh_token)
    with pytest.raises(InvalidToken, match="ended"):
        await world.service.authenticate(pair.access_token)  # at once, not in 15 minutes
    with pytest.raises(InvalidToken):
        await world.service.reset_password("default", code, "yet another passphrase")


async def test_a_reset_for_an_unknown_email_sends_nothing_and_says_nothing(
    world: World,
) -> None:
    await world.service.request_password_reset(TENANT, "nobody@example.com")

    assert world.mailer.sent == []


async def test_a_verification_code_cannot_reset_a_password(world: World) -> None:
    await world.service.register(TENANT, email="ada@example.com", password=PASSWORD)
    code = world.mailer.last_code("ada@example.com")

    with pytest.raises(InvalidToken):
        await world.service.reset_password("default", code, "a brand new passphrase")


async def test_staff_need_their_authenticator_once_enrolled(world: World) -> None:
    staff = await world.service.add_user(
        TENANT, email="ops@example.com", password=PASSWORD, roles=frozenset({Role.STAFF})
    )
    before = await login(world, "ops@example.com")
    assert not before.claims.mfa

    enrolment = await world.service.start_totp_enrolment("default", staff.id)
    assert enrolment.provisioning_uri.startswith("otpauth://totp/")
    totp = pyotp.TOTP(enrolment.secret)
    with pytest.raises(InvalidInput):
        await world.service.confirm_totp_enrolment("default", staff.id, "000000")
    now = int(world.clock.now().timestamp())
    await world.service.confirm_totp_enrolment("default", staff.id, totp.at(now))

    with pytest.raises(MfaRequired):
        await login(world, "ops@example.com")
    with pytest.raises(AuthenticationFailed, match="authenticator"):
        await login(world, "ops@example.com", totp_code="123456")
    after = await login(world, "ops@example.com", totp_code=totp.at(now))
    assert after.claims.mfa
    refreshed = await world.service.refresh("default", after.refresh_token)
    assert refreshed.claims.mfa


async def test_a_customer_who_enrolled_an_authenticator_signs_in_with_it(world: World) -> None:
    user = await world.service.register(TENANT, email="ada@example.com", password=PASSWORD)
    enrolment = await world.service.start_totp_enrolment("default", user.id)
    code = pyotp.TOTP(enrolment.secret).at(int(world.clock.now().timestamp()))
    await world.service.confirm_totp_enrolment("default", user.id, code)

    with pytest.raises(MfaRequired):
        await login(world)
    assert (await login(world, totp_code=code)).claims.mfa
