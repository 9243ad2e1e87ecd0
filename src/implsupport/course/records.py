"""Completion records that anyone holding the trainer's public key can check.

A record is a JSON object (learner, chapter, competencies, book version, the SHA-256 of the
submitted notebook and of the answer key applied, scores, pass threshold, time). It is
serialised canonically (sorted keys, no insignificant whitespace, UTF-8) and signed with the
trainer's Ed25519 key. The file on disk is exactly the canonical JSON of
``{"record": ..., "signature": ...}`` followed by one newline (``\n``): :func:`verify` accepts
those bytes and no others, so any change to the file (a score, a name, a reformatting, a
removed or added newline) makes it invalid.

The signature proves that the holder of the trainer's private key issued this exact record. It
does not prove who did the work, nor that the grading environment was secure; the trainer's
guide (``chapters/trainer_guide.md``) sets out this threat model.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "ALGORITHM",
    "RECORD_FORMAT",
    "REQUIRED_FIELDS",
    "InvalidRecord",
    "Verification",
    "canonical_json",
    "fingerprint_of",
    "format_fingerprint",
    "key_fingerprint",
    "keygen",
    "load_private_key",
    "load_public_key",
    "sign_record",
    "verify",
    "write_record",
]

RECORD_FORMAT = "implsupport-completion-record/2"
ALGORITHM = "Ed25519"
PRIVATE_KEY_NAME, PUBLIC_KEY_NAME = "trainer.key", "trainer.pub"

#: Fields every completion record carries (the grader may add more, e.g. per-check detail).
REQUIRED_FIELDS = (
    "format",
    "learner",
    "chapter",
    "competencies",
    "book_version",
    "submission_sha256",
    "answer_key_sha256",
    "score",
    "max_score",
    "pass_threshold",
    "passed",
    "graded_at",
    "issuer_key_sha256",
)


class InvalidRecord(ValueError):
    """A record failed verification (the command line exits 1 rather than 2 for it)."""


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value: sorted keys, no spaces, UTF-8, no NaN or infinity."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


# ---- keys ------------------------------------------------------------------------------


def keygen(out_dir: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair: ``out_dir/trainer.key`` (private) and ``trainer.pub``.

    The private key is PEM-encoded PKCS #8 (unencrypted, file mode 0600: keep it safe); the
    public key is PEM SubjectPublicKeyInfo, for anyone who needs to check records. Existing
    keys are never overwritten: :class:`FileExistsError` is raised and nothing is written.
    """
    folder = Path(out_dir)
    private_path, public_path = folder / PRIVATE_KEY_NAME, folder / PUBLIC_KEY_NAME
    for path in (private_path, public_path):
        if path.exists():
            raise FileExistsError(f"{path} already exists; refusing to overwrite a key")
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"--out {folder}: expected a folder, found a file")
    folder.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # O_EXCL: never clobber a key that appeared since the check above.
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem)
    with open(public_path, "xb") as handle:
        handle.write(public_pem)
    return private_path, public_path


def _read_key_file(path: str | os.PathLike[str], what: str) -> bytes:
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{what} {path}: file not found")
    return path.read_bytes()


def load_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """Read the trainer's private key (PEM, PKCS #8) written by :func:`keygen`."""
    payload = _read_key_file(path, "private key")
    try:
        key = serialization.load_pem_private_key(payload, password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"private key {path}: not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"private key {path}: expected an Ed25519 key, found another kind")
    return key


def load_public_key(path: str | os.PathLike[str]) -> Ed25519PublicKey:
    """Read a public key (PEM, SubjectPublicKeyInfo) written by :func:`keygen`."""
    payload = _read_key_file(path, "public key")
    try:
        key = serialization.load_pem_public_key(payload)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"public key {path}: not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"public key {path}: expected an Ed25519 key, found another kind")
    return key


def key_fingerprint(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """SHA-256 (hex) of the raw 32-byte public key: a short name for a key.

    The same fingerprint is printed by ``implsupport course fingerprint`` and shown on
    certificates (in groups of four characters: :func:`format_fingerprint`).
    """
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def format_fingerprint(fingerprint: str) -> str:
    """A fingerprint in groups of four hex digits, easier to read aloud and compare."""
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))


def fingerprint_of(path: str | os.PathLike[str]) -> str:
    """The fingerprint of a key file, public or private."""
    payload = _read_key_file(path, "key")
    if b"PRIVATE KEY" in payload:
        return key_fingerprint(load_private_key(path))
    return key_fingerprint(load_public_key(path))


# ---- signing and verifying -------------------------------------------------------------


def sign_record(record: Mapping[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """Return the signed envelope ``{"record": ..., "signature": ...}`` for ``record``.

    The record gains ``issuer_key_sha256`` (the signing key's fingerprint) before signing, so
    the key that issued it is itself covered by the signature.
    """
    if not isinstance(record, Mapping):
        raise TypeError(f"record: expected a mapping, found {type(record).__name__}")
    body = {**record, "issuer_key_sha256": key_fingerprint(private_key)}
    missing = [name for name in REQUIRED_FIELDS if name not in body]
    if missing:
        raise ValueError(f"record: missing required fields {missing}")
    signature = private_key.sign(canonical_json(body))
    return {
        "record": body,
        "signature": {"algorithm": ALGORITHM, "value": base64.b64encode(signature).decode()},
    }


def write_record(envelope: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write a signed envelope in canonical form (one line); never overwrites a file."""
    path = Path(path)
    with open(path, "xb") as handle:
        handle.write(canonical_json(envelope) + b"\n")
    return path


@dataclass(frozen=True)
class Verification:
    """The verdict on one record file: ``valid`` and a one-line ``reason``."""

    path: str
    valid: bool
    reason: str
    record: Mapping[str, Any] | None = field(default=None, repr=False)

    def __bool__(self) -> bool:
        return self.valid

    def __str__(self) -> str:
        return f"{self.path}: {'valid' if self.valid else 'INVALID'}: {self.reason}"


def _check_envelope(raw: bytes) -> tuple[dict[str, Any], bytes]:
    """Parse a record file; return (envelope, signature bytes) or raise InvalidRecord."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRecord("not UTF-8 text, so not a completion record") from exc
    try:
        envelope = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidRecord(f"not valid JSON (truncated or corrupted?): {exc}") from exc
    if not isinstance(envelope, dict) or set(envelope) != {"record", "signature"}:
        raise InvalidRecord('not a completion record: expected exactly "record" and "signature"')
    record, signature = envelope["record"], envelope["signature"]
    if not isinstance(record, dict) or not isinstance(signature, dict):
        raise InvalidRecord('not a completion record: "record" and "signature" must be objects')
    missing = [name for name in REQUIRED_FIELDS if name not in record]
    if missing:
        raise InvalidRecord(f"not a completion record: missing fields {missing}")
    if record.get("format") != RECORD_FORMAT:
        raise InvalidRecord(f"unknown record format {record.get('format')!r}")
    if signature.get("algorithm") != ALGORITHM:
        raise InvalidRecord(f"unsupported signature algorithm {signature.get('algorithm')!r}")
    try:
        value = base64.b64decode(str(signature.get("value", "")), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidRecord("the signature is not valid base64") from exc
    if len(value) != 64:
        raise InvalidRecord(f"the signature has {len(value)} bytes; Ed25519 signatures have 64")
    return envelope, value


def verify(
    record_path: str | os.PathLike[str], public_key_path: str | os.PathLike[str]
) -> Verification:
    """Check one record file against the trainer's public key.

    Returns a :class:`Verification`; it is invalid (with a one-line reason) if the file is
    malformed or truncated, if the signature does not match (any change to the record), if it
    was signed with another key, or if the file is not in its canonical form. A missing file
    or a bad key file is a usage mistake and raises :class:`ValueError`.
    """
    key = load_public_key(public_key_path)
    path = Path(record_path)
    if not path.is_file():
        raise ValueError(f"record {path}: file not found")
    raw = path.read_bytes()
    try:
        envelope, signature = _check_envelope(raw)
        record = envelope["record"]
        try:
            key.verify(signature, canonical_json(record))
        except InvalidSignature:
            named, given = str(record.get("issuer_key_sha256")), key_fingerprint(key)
            if named != given:
                raise InvalidRecord(
                    f"signed with a different key (the record names key {named[:16]}…, "
                    f"the public key given is {given[:16]}…)"
                ) from None
            raise InvalidRecord(
                "signature does not match: the record was changed after it was signed"
            ) from None
        if raw != canonical_json(envelope) + b"\n":
            raise InvalidRecord(
                "the file is not byte for byte as signed (canonical JSON and one final "
                "newline): it was edited, reformatted or its line ending changed"
            )
    except InvalidRecord as exc:
        return Verification(str(path), False, str(exc))
    except ValueError as exc:  # e.g. a number JSON cannot re-serialise (NaN)
        return Verification(str(path), False, f"not a completion record: {exc}")
    reason = (
        f"signed by key {key_fingerprint(key)[:16]}…; learner {record['learner']!r}, "
        f"chapter {record['chapter']}, score {record['score']}/{record['max_score']}, "
        f"{'passed' if record['passed'] else 'not passed'}"
    )
    return Verification(str(path), True, reason, record)
