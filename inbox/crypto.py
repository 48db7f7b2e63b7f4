"""Keys derived from INBOX_SECRET_KEY: encryption of stored credentials and signing of tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )


class SecretBox:
    """Encrypts small JSON values (channel credentials) and signs short strings (CSRF)."""

    def __init__(self, secret_key: str) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret_key, b"inbox credentials")))
        self._signing_key = _derive(secret_key, b"inbox signing")

    def encrypt(self, value: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(value).encode()).decode()

    def decrypt(self, token: str) -> dict[str, Any]:
        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise ValueError(
                "stored credentials cannot be decrypted: INBOX_SECRET_KEY changed?"
            ) from None

    def sign(self, value: str) -> str:
        return hmac.new(self._signing_key, value.encode(), hashlib.sha256).hexdigest()

    def verify(self, value: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(value), signature)


def token_hash(token: str) -> str:
    """What we store for a bearer secret (session or API token): its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()
