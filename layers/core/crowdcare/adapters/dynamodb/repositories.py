"""The DynamoDB repositories by their former address.

Each table now has its own module (mentions, responders, assignments, audit, cursors,
idempotency) and items go through the one codec (`codec.py`). These names stay importable from
here while the callers outside the assignment area move to the new modules.
"""

from __future__ import annotations

from crowdcare.adapters.dynamodb.codec import from_item, to_item
from crowdcare.adapters.dynamodb.mentions import MentionRepository, stored_mention_from_item
from crowdcare.adapters.dynamodb.responders import ResponderRepository
from crowdcare.domain.stored import StoredMention

__all__ = [
    "MentionRepository",
    "ResponderRepository",
    "StoredMention",
    "from_item",
    "stored_mention_from_item",
    "to_item",
]
