"""The caller's own profile: roles, trust, skills, languages, zone, quiet hours, notices, pause."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crowdcare.domain.dashboard import ProfileUpdate
from crowdcare.domain.errors import NotFoundError, RequestError
from crowdcare.ports import ResponderDirectory
from crowdcare.services.dashboard.trust import TrustPolicy

if TYPE_CHECKING:
    from crowdcare.adapters.cognito_auth import Principal
    from crowdcare.domain.models import Responder


def notify_choice(responder: Responder) -> str:
    """The responder's notice choice: "email", "sms" (SMS only) or "both"."""
    if not responder.sms_opt_in:
        return "email"
    return "sms" if responder.email_off else "both"


@dataclass
class ProfileService:
    """Who the caller is to CrowdCare, and what they change about themself."""

    responders: ResponderDirectory
    trust: TrustPolicy

    def profile(self, principal: Principal) -> dict[str, Any]:
        """The caller's profile, roles and trust."""
        responder = self.responders.get(principal.responder_id)
        return {
            "username": principal.username,
            "roles": sorted(r.value for r in principal.roles),
            "responder": None if responder is None else responder.model_dump(mode="json"),
            "notify": None if responder is None else notify_choice(responder),
            "trust": self.trust.trust(principal.responder_id),
            "trust_threshold": self.trust.threshold,
        }

    def update_profile(self, principal: Principal, update: ProfileUpdate) -> dict[str, Any]:
        """Change the caller's own skills, languages, zone, quiet hours, notices or pause."""
        responder = self.responders.get(principal.responder_id)
        if responder is None:
            raise NotFoundError("you have no responder profile yet: ask an admin to add you")
        values: dict[str, Any] = update.model_dump(
            mode="json", exclude_none=True, exclude={"notify"}
        )
        if update.notify is not None:
            wants_sms = update.notify in {"sms", "both"}
            if wants_sms and not (update.phone or responder.phone):
                raise RequestError("add a phone number to get text messages")
            values["sms_opt_in"] = wants_sms
            values["email_off"] = update.notify == "sms"
        if values:
            self.responders.update(principal.responder_id, values)
        return self.profile(principal)
