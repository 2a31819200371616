"""The platforms' secrets, encrypted at rest with Fernet (AES-128-CBC and HMAC-SHA256).

The key is PLENARY_SECRETS_KEY when set (a Fernet key: 32 url-safe base64 bytes), else one
derived from SECRET_KEY with HKDF-SHA256: a deployment keeps working with the one secret it
already has, and a stolen database alone reads none of them. Changing the key (or SECRET_KEY
without PLENARY_SECRETS_KEY) makes the stored secrets unreadable: they are then treated as
unset and an admin enters them again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

# Binds the derived key to this use: the same SECRET_KEY signs sessions and links.
HKDF_INFO = b"plenary platform credentials v1"


def _fernet() -> Fernet:
    key = current_app.config.get("PLENARY_SECRETS_KEY") or ""
    if key:
        return Fernet(key.encode())
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        current_app.config["SECRET_KEY"].encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(secret: str) -> str:
    """`secret` encrypted, as text for a column; "" stays "" (nothing set)."""
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def unseal(sealed: str) -> str:
    """The secret, or "" when none is set or it was sealed with another key."""
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return ""
