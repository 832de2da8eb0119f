"""The persistence contract: every UnitOfWorkFactory (fake, SQLite, PostgreSQL) passes it."""

from __future__ import annotations

import abc
import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from funflights_core.api_key import ApiKey, Scope
from funflights_core.errors import Conflict
from funflights_core.one_time_token import OneTimeToken, TokenPurpose
from funflights_core.refresh_token import RefreshToken
from funflights_core.role import Role
from funflights_core.tenant import AuthMethod, OidcIssuer, Tenant
from funflights_core.unit_of_work import UnitOfWorkFactory
from funflights_core.user import NotificationChannel, User

NOW = datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def a_tenant(tenant_id: str = "acme", *domains: str) -> Tenant:
    return Tenant(
        id=tenant_id,
        name=f"{tenant_id.title()} Travel",
        domains=domains or (f"{tenant_id}.example",),
        default_currency="GBP",
        locale="en-GB",
        loyalty_programme="Acme Miles",
        point_value_usd=Decimal("0.0125"),
        auth_methods=frozenset({AuthMethod.PASSWORD, AuthMethod.OIDC}),
        created_at=NOW,
        oidc=OidcIssuer(issuer="https://id.acme.example", audience="funflights", jwks="{}"),
    )


def a_user(tenant_id: str = "default", email: str = "ada@example.com", **changes: object) -> User:
    user = User(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        email=email,
        password_hash="$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA",
        roles=frozenset({Role.CUSTOMER}),
        created_at=NOW,
        full_name="Ada Lovelace",
        preferred_currency="EUR",
        language="en",
        notification_channels=frozenset({NotificationChannel.EMAIL, NotificationChannel.SMS}),
    )
    return attrs.evolve(user, **changes)


def a_refresh_token(user: User, family_id: str = "fam-1", **changes: object) -> RefreshToken:
    token = RefreshToken(
        id=str(uuid.uuid4()),
        tenant_id=user.tenant_id,
        user_id=user.id,
        family_id=family_id,
        digest=uuid.uuid4().hex + uuid.uuid4().hex,
        issued_at=NOW,
        expires_at=NOW + timedelta(days=30),
    )
    return attrs.evolve(token, **changes)


class PersistenceContract(abc.ABC):
    """Subclasses provide ``database``: a fresh, migrated UnitOfWorkFactory per test."""

    @pytest.fixture
    @abc.abstractmethod
    async def database(self) -> AsyncIterator[UnitOfWorkFactory]:
        """A fresh database with only the default tenant."""
        yield  # type: ignore[misc]

    async def store_user(self, database: UnitOfWorkFactory, user: User) -> User:
        async with database.for_tenant(user.tenant_id) as uow:
            await uow.users.add(user)
            await uow.commit()
        return user

    async def store_tenant(self, database: UnitOfWorkFactory, tenant: Tenant) -> Tenant:
        async with database.platform() as uow:
            await uow.tenants.add(tenant)
            await uow.commit()
        return tenant

    # --- tenants --------------------------------------------------------------------------

    async def test_the_default_tenant_exists(self, database: UnitOfWorkFactory) -> None:
        async with database.platform() as uow:
            tenants = await uow.tenants.all()
            by_host = await uow.tenants.by_domain("localhost")
        assert [t.id for t in tenants] == ["default"]
        assert by_host is not None
        assert by_host.id == "default"
        assert tenants[0].point_value_usd == Decimal("0.01")

    async def test_a_tenant_round_trips_exactly(self, database: UnitOfWorkFactory) -> None:
        tenant = await self.store_tenant(
            database, a_tenant("acme", "acme.example", "b.acme.example")
        )
        async with database.platform() as uow:
            assert await uow.tenants.get("acme") == tenant
            assert await uow.tenants.by_domain("b.acme.example") == tenant
            assert await uow.tenants.get("nobody") is None
            assert [t.id for t in await uow.tenants.all()] == ["acme", "default"]

    async def test_tenant_ids_and_domains_are_unique(self, database: UnitOfWorkFactory) -> None:
        await self.store_tenant(database, a_tenant("acme", "acme.example"))
        async with database.platform() as uow:
            with pytest.raises(Conflict):
                await uow.tenants.add(a_tenant("acme", "other.example"))
            with pytest.raises(Conflict):
                await uow.tenants.add(a_tenant("globex", "acme.example"))
            await uow.tenants.add(a_tenant("globex", "globex.example"))  # still usable
            await uow.commit()
        async with database.platform() as uow:
            assert [t.id for t in await uow.tenants.all()] == ["acme", "default", "globex"]

    async def test_a_tenant_update_replaces_its_domains(self, database: UnitOfWorkFactory) -> None:
        tenant = await self.store_tenant(database, a_tenant("acme", "acme.example"))
        await self.store_tenant(database, a_tenant("globex", "globex.example"))
        async with database.platform() as uow:
            with pytest.raises(Conflict):
                await uow.tenants.update(attrs.evolve(tenant, domains=("globex.example",)))
            changed = attrs.evolve(tenant, name="Acme", domains=("new.acme.example",), oidc=None)
            await uow.tenants.update(changed)
            await uow.commit()
        async with database.platform() as uow:
            assert await uow.tenants.get("acme") == changed
            assert await uow.tenants.by_domain("acme.example") is None

    # --- units of work --------------------------------------------------------------------

    async def test_nothing_is_stored_without_commit(self, database: UnitOfWorkFactory) -> None:
        async with database.for_tenant("default") as uow:
            await uow.users.add(a_user())
        async with database.for_tenant("default") as uow:
            assert await uow.users.count() == 0

    async def test_an_error_rolls_back_everything(self, database: UnitOfWorkFactory) -> None:
        async def fail_midway() -> None:
            async with database.for_tenant("default") as uow:
                await uow.users.add(a_user())
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await fail_midway()
        async with database.for_tenant("default") as uow:
            assert await uow.users.count() == 0

    async def test_rollback_discards_since_the_last_commit(
        self, database: UnitOfWorkFactory
    ) -> None:
        kept, dropped = a_user(email="kept@example.com"), a_user(email="dropped@example.com")
        async with database.for_tenant("default") as uow:
            await uow.users.add(kept)
            await uow.commit()
            await uow.users.add(dropped)
            await uow.rollback()
            assert await uow.users.get(dropped.id) is None
        async with database.for_tenant("default") as uow:
            assert await uow.users.get(kept.id) == kept
            assert await uow.users.get(dropped.id) is None

    # --- users ----------------------------------------------------------------------------

    async def test_a_user_round_trips_exactly(self, database: UnitOfWorkFactory) -> None:
        user = await self.store_user(database, a_user(external_id="crm-7", totp_secret="ABC"))
        async with database.for_tenant("default") as uow:
            assert await uow.users.get(user.id) == user
            assert await uow.users.by_email("ada@example.com") == user
            assert await uow.users.by_external_id("crm-7") == user
            assert await uow.users.count() == 1

    async def test_emails_are_unique_within_a_tenant_only(
        self, database: UnitOfWorkFactory
    ) -> None:
        await self.store_tenant(database, a_tenant("acme"))
        await self.store_user(database, a_user())
        async with database.for_tenant("default") as uow:
            with pytest.raises(Conflict):
                await uow.users.add(a_user())
        await self.store_user(database, a_user(tenant_id="acme"))

    async def test_a_conflict_leaves_the_unit_of_work_usable(
        self, database: UnitOfWorkFactory
    ) -> None:
        await self.store_user(database, a_user())
        other = a_user(email="grace@example.com")
        async with database.for_tenant("default") as uow:
            with pytest.raises(Conflict):
                await uow.users.add(a_user())
            await uow.users.add(other)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.users.get(other.id) == other

    async def test_a_user_update_is_stored(self, database: UnitOfWorkFactory) -> None:
        user = await self.store_user(database, a_user())
        taken = await self.store_user(database, a_user(email="grace@example.com"))
        changed = attrs.evolve(
            user, full_name="A. King", roles=frozenset({Role.STAFF}), erased_at=NOW
        )
        async with database.for_tenant("default") as uow:
            with pytest.raises(Conflict):
                await uow.users.update(attrs.evolve(user, email=taken.email))
            await uow.users.update(changed)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.users.get(user.id) == changed

    async def test_another_tenants_users_are_invisible(self, database: UnitOfWorkFactory) -> None:
        await self.store_tenant(database, a_tenant("acme"))
        theirs = await self.store_user(database, a_user(tenant_id="acme", external_id="x1"))
        async with database.for_tenant("default") as uow:
            assert await uow.users.get(theirs.id) is None
            assert await uow.users.by_email(theirs.email) is None
            assert await uow.users.by_external_id("x1") is None
            assert await uow.users.count() == 0
            with pytest.raises(ValueError, match="own tenant"):
                await uow.users.add(a_user(tenant_id="acme", email="sneaky@example.com"))

    # --- refresh tokens -------------------------------------------------------------------

    async def test_a_refresh_token_is_replaced_once(self, database: UnitOfWorkFactory) -> None:
        user = await self.store_user(database, a_user())
        token = a_refresh_token(user)
        async with database.for_tenant("default") as uow:
            await uow.refresh_tokens.add(token)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.refresh_tokens.by_digest(token.digest) == token
            assert await uow.refresh_tokens.mark_replaced(token.id, NOW) is True
            assert await uow.refresh_tokens.mark_replaced(token.id, NOW) is False
            await uow.commit()
        async with database.for_tenant("default") as uow:
            stored = await uow.refresh_tokens.by_digest(token.digest)
        assert stored is not None
        assert stored.replaced_at == NOW

    async def test_concurrent_replacements_let_exactly_one_win(
        self, database: UnitOfWorkFactory
    ) -> None:
        user = await self.store_user(database, a_user())
        token = a_refresh_token(user)
        async with database.for_tenant("default") as uow:
            await uow.refresh_tokens.add(token)
            await uow.commit()

        async def replace() -> bool:
            async with database.for_tenant("default") as uow:
                won = await uow.refresh_tokens.mark_replaced(token.id, NOW)
                await uow.commit()
                return won

        results = await asyncio.gather(*(replace() for _ in range(5)))
        assert sorted(results) == [False, False, False, False, True]

    async def test_revoking_a_family_and_a_user(self, database: UnitOfWorkFactory) -> None:
        user = await self.store_user(database, a_user())
        first, second = a_refresh_token(user, "fam-1"), a_refresh_token(user, "fam-1")
        other = a_refresh_token(user, "fam-2")
        async with database.for_tenant("default") as uow:
            for token in (first, second, other):
                await uow.refresh_tokens.add(token)
            await uow.refresh_tokens.revoke_family("fam-1", NOW)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.refresh_tokens.family_revoked("fam-1")
            assert not await uow.refresh_tokens.family_revoked("fam-2")
            assert list(await uow.refresh_tokens.active_families(user.id)) == ["fam-2"]
            assert not await uow.refresh_tokens.mark_replaced(first.id, NOW)
            await uow.refresh_tokens.revoke_user(user.id, NOW)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.refresh_tokens.family_revoked("fam-2")

    async def test_another_tenants_tokens_are_invisible(self, database: UnitOfWorkFactory) -> None:
        await self.store_tenant(database, a_tenant("acme"))
        theirs = await self.store_user(database, a_user(tenant_id="acme"))
        token = a_refresh_token(theirs)
        async with database.for_tenant("acme") as uow:
            await uow.refresh_tokens.add(token)
            await uow.one_time_tokens.add(
                OneTimeToken("d" * 64, "acme", theirs.id, TokenPurpose.RESET_PASSWORD, NOW)
            )
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.refresh_tokens.by_digest(token.digest) is None
            assert await uow.refresh_tokens.mark_replaced(token.id, NOW) is False
            await uow.refresh_tokens.revoke_family(token.family_id, NOW)
            assert await uow.one_time_tokens.by_digest("d" * 64) is None
            assert await uow.one_time_tokens.mark_used("d" * 64, NOW) is False
            await uow.commit()
        async with database.for_tenant("acme") as uow:
            assert not await uow.refresh_tokens.family_revoked(token.family_id)

    # --- one-time tokens ------------------------------------------------------------------

    async def test_a_one_time_token_is_used_once(self, database: UnitOfWorkFactory) -> None:
        user = await self.store_user(database, a_user())
        token = OneTimeToken("e" * 64, "default", user.id, TokenPurpose.VERIFY_EMAIL, NOW)
        async with database.for_tenant("default") as uow:
            await uow.one_time_tokens.add(token)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.one_time_tokens.by_digest(token.digest) == token
            assert await uow.one_time_tokens.mark_used(token.digest, NOW) is True
            assert await uow.one_time_tokens.mark_used(token.digest, NOW) is False
            await uow.commit()
        async with database.for_tenant("default") as uow:
            stored = await uow.one_time_tokens.by_digest(token.digest)
        assert stored is not None
        assert stored.used_at == NOW

    # --- API keys -------------------------------------------------------------------------

    def a_key(self, tenant_id: str = "default", **changes: object) -> ApiKey:
        key = ApiKey(
            id=str(uuid.uuid4()),
            tenant_id=tenant_id,
            name="Agency X",
            prefix="ffk_0123abcd",
            digest=uuid.uuid4().hex + uuid.uuid4().hex,
            scopes=frozenset({Scope.SEARCH, Scope.READ_BOOKINGS}),
            created_at=NOW,
            rate_limit_per_minute=60,
            daily_quota=10_000,
            expires_at=NOW + timedelta(days=90),
        )
        return attrs.evolve(key, **changes)

    async def test_api_keys_round_trip_and_revoke(self, database: UnitOfWorkFactory) -> None:
        older = self.a_key(created_at=NOW - timedelta(days=1))
        newer = self.a_key(expires_at=None, account=older.id)  # it replaced the older
        async with database.for_tenant("default") as uow:
            await uow.api_keys.add(older)
            await uow.api_keys.add(newer)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.api_keys.get(older.id) == older
            assert list(await uow.api_keys.all()) == [newer, older]
            assert await uow.api_keys.revoke(older.id, NOW) is True
            assert await uow.api_keys.revoke(older.id, NOW) is False
            await uow.commit()
        async with database.platform() as uow:
            found = await uow.api_key_directory.by_digest(older.digest)
            assert found == attrs.evolve(older, revoked_at=NOW)
            assert await uow.api_key_directory.by_digest("0" * 64) is None

    async def test_api_keys_of_another_tenant_are_invisible(
        self, database: UnitOfWorkFactory
    ) -> None:
        await self.store_tenant(database, a_tenant("acme"))
        theirs = self.a_key("acme")
        async with database.for_tenant("acme") as uow:
            await uow.api_keys.add(theirs)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.api_keys.get(theirs.id) is None
            assert list(await uow.api_keys.all()) == []
            assert await uow.api_keys.revoke(theirs.id, NOW) is False
        async with database.platform() as uow:
            found = await uow.api_key_directory.by_digest(theirs.digest)
        assert found is not None
        assert found.tenant_id == "acme"
