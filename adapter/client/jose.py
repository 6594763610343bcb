"""Compact JWS signing for SMART client assertions (RFC 7515, RFC 7518 §3.3 and §3.4).

Only the two algorithms SMART Backend Services requires servers to support: RS384
(RSASSA-PKCS1-v1_5 with SHA-384) and ES384 (ECDSA P-384 with SHA-384, signature ``r || s``).
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
ALGORITHMS = ("RS384", "ES384")
ES384_PART = 48  # bytes of r and of s on P-384


def b64url(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def load_private_key(pem: bytes | str, password: bytes | None = None) -> SigningKey:
    """An RSA or EC private key from PEM."""
    key = serialization.load_pem_private_key(pem.encode() if isinstance(pem, str) else pem, password)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError(f"need an RSA or EC private key, got {type(key).__name__}")
    return key


def check_key(key: SigningKey, algorithm: str) -> None:
    """Refuse a key that cannot make signatures of the algorithm."""
    if algorithm == "RS384" and not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("RS384 needs an RSA private key")
    if algorithm == "ES384" and not (
        isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP384R1)
    ):
        raise ValueError("ES384 needs an EC P-384 private key")
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, not {algorithm!r}")


def sign_jwt(claims: dict[str, Any], key: SigningKey, algorithm: str, headers: dict[str, Any]) -> str:
    """``header.payload.signature`` for the claims."""
    check_key(key, algorithm)
    header = {"alg": algorithm, "typ": "JWT", **headers}
    signing_input = f"{b64url(orjson.dumps(header))}.{b64url(orjson.dumps(claims))}".encode("ascii")
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA384())
    else:
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA384())))
        signature = r.to_bytes(ES384_PART, "big") + s.to_bytes(ES384_PART, "big")
    return f"{signing_input.decode('ascii')}.{b64url(signature)}"
