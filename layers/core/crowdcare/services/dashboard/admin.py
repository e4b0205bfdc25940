"""Admins: responders (one at a time or from CSV), the routing rules and the points rules."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from crowdcare.adapters.responders_csv import CsvImport, RowError
from crowdcare.domain.dashboard import ResponderEdit
from crowdcare.domain.errors import ConflictError, RequestError
from crowdcare.domain.models import Frozen, Responder
from crowdcare.ports import ResponderDirectory, RulesStore, SignInInvitations
from crowdcare.rules.points import PointsRules
from crowdcare.rules.triage.rules import TriageRules

MAX_RULES_BYTES = 8_192


class ImportReport(Frozen):
    """What a CSV import did: responders created and updated, rows refused with reasons."""

    created: tuple[str, ...]
    updated: tuple[str, ...]
    errors: tuple[RowError, ...]


@dataclass
class AdminService:
    """Manage responders and the rules the triage workflow reads."""

    responders: ResponderDirectory
    rules_store: RulesStore
    points_store: RulesStore | None = None
    # A new responder's sign-in (Cognito invitation); None: users are made elsewhere.
    invitations: SignInInvitations | None = None

    def list_responders(self) -> list[Responder]:
        """Every responder, by id."""
        return sorted(self.responders.list_all(), key=lambda r: r.responder_id)

    def edit_responder(self, responder_id: str, edit: ResponderEdit) -> tuple[Responder, bool]:
        """Create or update one responder; returns it and whether it was created."""
        responder = Responder.model_validate({"responder_id": responder_id, **edit.model_dump()})
        created = self.responders.upsert(responder)
        if created and self.invitations is not None:
            self.invitations.invite(responder)
        stored = self.responders.get(responder_id)
        if stored is None:  # pragma: no cover - written a moment ago
            raise RuntimeError(f"responder {responder_id} vanished")
        return stored, created

    def import_responders(self, parsed: CsvImport) -> ImportReport:
        """Store every good row; the bad rows come back with their reasons."""
        created: list[str] = []
        updated: list[str] = []
        for responder in parsed.responders:
            if self.responders.upsert(responder):
                created.append(responder.responder_id)
                if self.invitations is not None:
                    self.invitations.invite(responder)
            else:
                updated.append(responder.responder_id)
        return ImportReport(created=tuple(created), updated=tuple(updated), errors=parsed.errors)

    def rules_document(self) -> dict[str, Any]:
        """The stored document and the rules it amounts to."""
        document = self.rules_store.read() or "{}"
        return {
            "document": json.loads(document),
            "effective": TriageRules.model_validate_json(document).model_dump(mode="json"),
        }

    def save_rules(self, document: str) -> dict[str, Any]:
        """Validate and store a rules document (fields left out keep their defaults)."""
        rules = TriageRules.model_validate_json(document)  # ValidationError -> 400 at the edge
        # Keep only what differs from the defaults (top-level fields, each whole), so the
        # document stays small and fields left out follow the defaults of later versions.
        defaults = TriageRules.default().model_dump(mode="json")
        current = rules.model_dump(mode="json")
        stored = json.dumps({k: v for k, v in current.items() if defaults.get(k) != v})
        if len(stored.encode()) > MAX_RULES_BYTES:
            raise RequestError(f"the rules document is larger than {MAX_RULES_BYTES} bytes")
        self.rules_store.write(stored)
        return self.rules_document()

    def points_rules_document(self) -> dict[str, Any]:
        """The stored points rules document and the rules it amounts to."""
        document = (self.points_store.read() if self.points_store else "") or "{}"
        return {
            "document": json.loads(document),
            "effective": PointsRules.model_validate_json(document).model_dump(mode="json"),
        }

    def save_points_rules(self, document: str) -> dict[str, Any]:
        """Validate and store a points rules document (fields left out keep their defaults);
        a document that does not validate is refused with the field at fault."""
        rules = PointsRules.model_validate_json(document)  # ValidationError -> 400 at the edge
        if self.points_store is None:
            raise ConflictError("no points rules parameter is configured")
        defaults = PointsRules.default().model_dump(mode="json")
        current = rules.model_dump(mode="json")
        stored = json.dumps({k: v for k, v in current.items() if defaults.get(k) != v})
        if len(stored.encode()) > MAX_RULES_BYTES:
            raise RequestError(f"the rules document is larger than {MAX_RULES_BYTES} bytes")
        self.points_store.write(stored)
        return self.points_rules_document()
