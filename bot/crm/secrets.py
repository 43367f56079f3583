"""CRM tokens at rest: encrypted with Fernet (AES and an HMAC, from `cryptography`) under
keys from PACELINE_SECRET_KEY. Several keys, comma separated, rotate: the first encrypts,
any of them decrypts."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.core.errors import UserError

KEY_EXAMPLE = "PACELINE_SECRET_KEY=$(paceline crm new-key)"


def new_key() -> str:
    return Fernet.generate_key().decode()


def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise UserError(
            "PACELINE_SECRET_KEY is not set: stored CRM tokens are encrypted with it. "
            "Make one with `paceline crm new-key` and keep it with your other secrets.",
            KEY_EXAMPLE,
        )
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError):
        raise UserError(
            "PACELINE_SECRET_KEY is malformed: each key is 32 bytes in URL-safe base64, as `paceline crm new-key` prints.",
            KEY_EXAMPLE,
        ) from None


def encrypt(token: str, keys: tuple[str, ...]) -> str:
    return _fernet(keys).encrypt(token.encode()).decode()


def decrypt(stored: str, keys: tuple[str, ...]) -> str:
    try:
        return _fernet(keys).decrypt(stored.encode()).decode()
    except InvalidToken:
        raise UserError(
            "The stored HubSpot token cannot be decrypted with PACELINE_SECRET_KEY (was the key changed?). "
            "Put the old key after the new one, or connect again.",
            "paceline crm connect hubspot --workspace T0123ABCD",
        ) from None
