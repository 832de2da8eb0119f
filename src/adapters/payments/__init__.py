"""Payment methods (the PaymentMethod port): sandboxes for cards, wallets, PayPal and Bitcoin."""
