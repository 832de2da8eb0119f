"""Argon2PasswordHasher: round trips, salting, bad hashes never raise, rehash detection."""

from __future__ import annotations

import asyncio
import threading
from typing import Literal

import pytest
from argon2 import PasswordHasher
from argon2.low_level import Type

from adapters.security.argon2_hasher import Argon2PasswordHasher

PASSWORD = "correct horse battery staple"


@pytest.fixture
def hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher.for_tests()


async def test_a_hash_verifies_against_its_password(hasher: Argon2PasswordHasher) -> None:
    password_hash = await hasher.hash(PASSWORD)

    assert await hasher.verify(password_hash, PASSWORD) is True


async def test_the_hash_is_argon2id_in_phc_form(hasher: Argon2PasswordHasher) -> None:
    password_hash = await hasher.hash(PASSWORD)

    assert password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert PASSWORD not in password_hash


@pytest.mark.parametrize(
    "attempt", ["correct horse battery stapl", "Correct horse battery staple", "", PASSWORD + " "]
)
async def test_a_wrong_password_does_not_verify(hasher: Argon2PasswordHasher, attempt: str) -> None:
    password_hash = await hasher.hash(PASSWORD)

    assert await hasher.verify(password_hash, attempt) is False


async def test_two_hashes_of_one_password_differ_by_salt(hasher: Argon2PasswordHasher) -> None:
    first, second = await asyncio.gather(hasher.hash(PASSWORD), hasher.hash(PASSWORD))

    assert first != second
    assert await hasher.verify(first, PASSWORD)
    assert await hasher.verify(second, PASSWORD)


@pytest.mark.parametrize(
    "password",
    [
        "pässwörd",
        "пароль-123",
        "密码密码密码",
        "🔑🔒 emoji",
        "nul\x00inside",
        "lone \ud800 surrogate",
    ],
)
async def test_unicode_passwords_round_trip(hasher: Argon2PasswordHasher, password: str) -> None:
    password_hash = await hasher.hash(password)

    assert await hasher.verify(password_hash, password) is True
    assert await hasher.verify(password_hash, password[:-1]) is False


async def test_passwords_are_hashed_as_utf8(hasher: Argon2PasswordHasher) -> None:
    # A hash made by plain argon2-cffi (which encodes UTF-8) verifies here, and vice versa.
    plain = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

    assert await hasher.verify(plain.hash("pässwörd"), "pässwörd")
    assert plain.verify(await hasher.hash("pässwörd"), "pässwörd")


async def test_unicode_normal_forms_are_different_passwords(hasher: Argon2PasswordHasher) -> None:
    # Normalisation, if wanted, is policy for the core; the hasher hashes what it is given.
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    password_hash = await hasher.hash(composed)

    assert await hasher.verify(password_hash, decomposed) is False


@pytest.mark.parametrize(
    "bad_hash",
    [
        "",
        "garbage",
        "$argon2id$",
        "$argon2id$v=19$m=8,t=1,p=1$AAAA$BBBB",
        "$argon2id$v=19$m=8,t=1,p=0$c2FsdHNhbHQ$aGFzaGhhc2g",
        "$argon2xx$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        "pbkdf2_sha256$600000$salt$hash",
        "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g\u00e9",
        "\x00",
    ],
)
async def test_a_malformed_or_foreign_hash_is_false_not_an_error(
    hasher: Argon2PasswordHasher, bad_hash: str
) -> None:
    assert await hasher.verify(bad_hash, PASSWORD) is False


async def test_a_truncated_hash_is_false(hasher: Argon2PasswordHasher) -> None:
    password_hash = await hasher.hash(PASSWORD)

    assert await hasher.verify(password_hash[:-4], PASSWORD) is False


async def test_a_fresh_hash_needs_no_rehash(hasher: Argon2PasswordHasher) -> None:
    assert hasher.needs_rehash(await hasher.hash(PASSWORD)) is False


@pytest.mark.parametrize(
    "weaker",
    [
        {"time_cost": 1, "memory_cost": 64, "parallelism": 1},
        {"time_cost": 3, "memory_cost": 32, "parallelism": 1},
    ],
)
async def test_needs_rehash_detects_weaker_parameters(weaker: dict[str, int]) -> None:
    old = Argon2PasswordHasher(**weaker)
    current = Argon2PasswordHasher(time_cost=3, memory_cost=64, parallelism=1)

    old_hash = await old.hash(PASSWORD)

    assert current.needs_rehash(old_hash) is True
    # The old hash still verifies: the parameters travel with it.
    assert await current.verify(old_hash, PASSWORD) is True


async def test_needs_rehash_keeps_stronger_parameters() -> None:
    stronger = Argon2PasswordHasher(time_cost=2, memory_cost=64, parallelism=2)

    stronger_hash = await stronger.hash(PASSWORD)

    assert Argon2PasswordHasher.for_tests().needs_rehash(stronger_hash) is False


def test_needs_rehash_flags_other_argon2_variants_and_short_salts() -> None:
    current = Argon2PasswordHasher.for_tests()
    argon2i = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.I).hash("x")
    short_salt = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, salt_len=8).hash("x")

    assert current.needs_rehash(argon2i) is True
    assert current.needs_rehash(short_salt) is True


@pytest.mark.parametrize("bad_hash", ["", "garbage", "$argon2id$", "$2b$12$abc"])
def test_needs_rehash_of_a_malformed_hash_is_true_not_an_error(bad_hash: str) -> None:
    assert Argon2PasswordHasher.for_tests().needs_rehash(bad_hash) is True


def test_default_parameters_are_owasps_argon2id_minimum() -> None:
    plain = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    defaults = Argon2PasswordHasher()

    # Judged by needs_rehash on hashes with known parameters: no slow hash needed.
    assert defaults.needs_rehash(plain.hash("x")) is True
    owasp = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43
    assert defaults.needs_rehash(owasp) is False


@pytest.mark.parametrize(
    "parameters",
    [
        {"time_cost": 0, "memory_cost": 8, "parallelism": 1},
        {"time_cost": 1, "memory_cost": 8, "parallelism": 0},
        {"time_cost": 1, "memory_cost": 8, "parallelism": 2},
    ],
)
def test_impossible_parameters_are_rejected_at_construction(parameters: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="must be at least"):
        Argon2PasswordHasher(**parameters)


async def test_hashing_and_verifying_run_off_the_event_loop_thread(
    hasher: Argon2PasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_loop_thread: list[bool] = []
    original_hash, original_verify = PasswordHasher.hash, PasswordHasher.verify

    def spy_hash(self: PasswordHasher, password: str | bytes, *, salt: bytes | None = None) -> str:
        on_loop_thread.append(threading.current_thread() is threading.main_thread())
        return original_hash(self, password, salt=salt)

    def spy_verify(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> Literal[True]:
        on_loop_thread.append(threading.current_thread() is threading.main_thread())
        return original_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "hash", spy_hash)
    monkeypatch.setattr(PasswordHasher, "verify", spy_verify)

    assert await hasher.verify(await hasher.hash(PASSWORD), PASSWORD)
    assert on_loop_thread == [False, False]
