"""The payment methods a deployment offers, found by name (a PaymentMethodDirectory)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from adapters.payments.bitcoin_sandbox import BitcoinSandbox, BtcPrice
from adapters.payments.card_sandbox import CardSandbox
from adapters.payments.paypal_sandbox import PayPalSandbox
from adapters.payments.wallet_sandbox import APPLE_PAY, GOOGLE_PAY, WalletSandbox
from funflights_core.clock import Clock
from funflights_core.errors import InvalidInput
from funflights_core.payment_method import PaymentMethod


class PaymentMethods:
    """Payment methods by name, in the order given (the order a checkout lists them).

    Read like a mapping, except that an unknown name is ``InvalidInput`` (naming the methods
    there are), not ``None`` or ``KeyError``: the name comes from a client.
    """

    def __init__(self, methods: Iterable[PaymentMethod]) -> None:
        self._methods: dict[str, PaymentMethod] = {}
        for method in methods:
            if method.name in self._methods:
                raise ValueError(f"two payment methods are named {method.name!r}")
            self._methods[method.name] = method

    def get(self, name: str) -> PaymentMethod:
        """The method with this name; ``InvalidInput("method")`` naming those there are."""
        try:
            return self._methods[name]
        except KeyError:
            known = ", ".join(self._methods) or "none configured"
            raise InvalidInput(
                "method", f"unknown payment method {name!r}; use one of {known}"
            ) from None

    __getitem__ = get

    def names(self) -> tuple[str, ...]:
        """Every method's name, in order."""
        return tuple(self._methods)

    def __contains__(self, name: object) -> bool:
        """Whether a method has this name."""
        return name in self._methods

    def __iter__(self) -> Iterator[str]:
        """The names, in order."""
        return iter(self._methods)

    def __len__(self) -> int:
        """How many methods there are."""
        return len(self._methods)


def sandbox_methods(secret: str, clock: Clock, btc_price: BtcPrice) -> PaymentMethods:
    """All five sandboxes: card, Apple Pay, Google Pay, PayPal, Bitcoin."""
    return PaymentMethods(
        [
            CardSandbox(secret, clock),
            WalletSandbox(APPLE_PAY, secret, clock),
            WalletSandbox(GOOGLE_PAY, secret, clock),
            PayPalSandbox(secret, clock),
            BitcoinSandbox(secret, clock, btc_price),
        ]
    )
