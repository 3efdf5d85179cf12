"""How a webhook call is signed (docs/webhooks.md has the receiver's side): HMAC-SHA256,
keyed with the subscription's secret, over "<timestamp>.<body>", where the timestamp is
the unix time of the attempt, sent along so that the receiver can refuse old replays."""

import hashlib
import hmac
import json

SIGNATURE_HEADER = "X-OKOT-Signature"
TIMESTAMP_HEADER = "X-OKOT-Timestamp"
EVENT_ID_HEADER = "X-OKOT-Event-Id"
# The scheme's version, so that a receiver can accept two while the scheme changes.
VERSION = "v1"


def encode(payload: dict) -> bytes:
    """The body: compact, with sorted keys, so that every attempt sends the same bytes for
    the same payload (PostgreSQL's jsonb keeps no key order)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def headers(secret: str, timestamp: int, body: bytes, event_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: f"{VERSION}={signature(secret, timestamp, body)}",
        EVENT_ID_HEADER: event_id,
    }
