"""Opening a notification's link: does this signed link open this mention for the caller?

Emails and text messages link to `/assignments/<mention id>?t=<token>`
(crowdcare.rules.deeplinks). The page asks here once the responder is signed in: the token
must be genuine, unexpired, signed for the signed-in responder, and the mention must still be
theirs. Anything else comes back as a plain reason the page shows, with a way to the feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from crowdcare.domain.assignments import AssignmentStatus
from crowdcare.ports import AssignmentReader, Clock, SignerSource
from crowdcare.rules.deeplinks import DeepLinkError

if TYPE_CHECKING:
    from crowdcare.adapters.cognito_auth import Principal

Problem = Literal["malformed", "not_yours", "expired", "closed"]

MESSAGES: dict[Problem, str] = {
    "malformed": "This link is incomplete or was changed. Open the mention from your feed.",
    "not_yours": "This link was sent to another responder, so it does not open for you.",
    "expired": "This link has expired. If the mention is still yours, it is in your feed.",
    "closed": "This mention is no longer assigned to you (answered, declined or moved on).",
}


def _problem(error: DeepLinkError) -> Problem:
    # DeepLinkError carries one of three fixed messages (crowdcare.rules.deeplinks.verify).
    text = str(error)
    if text == "link expired":
        return "expired"
    if text == "malformed link":
        return "malformed"
    return "not_yours"


@dataclass
class LinkDesk:
    """Checks a deep link against the signed-in responder and the assignment as it stands."""

    signer: SignerSource
    assignments: AssignmentReader
    clock: Clock

    def open(self, principal: Principal, mention_id: str, token: str) -> dict[str, Any]:
        """{"mention_id", "opens": True} or {"mention_id", "opens": False, "problem", "message"}."""
        try:
            self.signer().verify(
                token, mention_id=mention_id, responder_id=principal.responder_id, now=self.clock()
            )
        except DeepLinkError as error:
            return self._refused(mention_id, _problem(error))
        assignment = self.assignments.get(mention_id)
        if (
            assignment is None
            or assignment.responder_id != principal.responder_id
            or assignment.status is not AssignmentStatus.OPEN
        ):
            return self._refused(mention_id, "closed")
        return {"mention_id": mention_id, "opens": True}

    @staticmethod
    def _refused(mention_id: str, problem: Problem) -> dict[str, Any]:
        return {
            "mention_id": mention_id,
            "opens": False,
            "problem": problem,
            "message": MESSAGES[problem],
        }
