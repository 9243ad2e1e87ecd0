"""Completion records that anyone holding the trainer's public key can check.

The implementation lives in :mod:`implsupport.course.records` (signing and verifying) and
:mod:`implsupport.course.certificates`; this module keeps the names where users import them.
"""

from __future__ import annotations

from .course.certificates import certificate
from .course.records import (
    ALGORITHM,
    PRIVATE_KEY_NAME,
    PUBLIC_KEY_NAME,
    RECORD_FORMAT,
    REQUIRED_FIELDS,
    InvalidRecord,
    Verification,
    canonical_json,
    fingerprint_of,
    format_fingerprint,
    key_fingerprint,
    keygen,
    load_private_key,
    load_public_key,
    sign_record,
    verify,
    write_record,
)

__all__ = [
    "ALGORITHM",
    "PRIVATE_KEY_NAME",
    "PUBLIC_KEY_NAME",
    "RECORD_FORMAT",
    "REQUIRED_FIELDS",
    "InvalidRecord",
    "Verification",
    "canonical_json",
    "certificate",
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
