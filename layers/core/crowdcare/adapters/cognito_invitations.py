"""Sign-in for a new responder: a Cognito user invited by email, in the group of their role.

Cognito emails a temporary password; the first sign-in must choose a new one (the page
answers the NEW_PASSWORD_REQUIRED challenge). Inviting someone who already has a user is a
no-op, so a re-imported CSV row never sends a second invitation.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from crowdcare.domain.models import Responder, ResponderKind


class CognitoInvitations:
    """Creates the responder's user in the pool (with an emailed invitation) and group."""

    def __init__(self, client: Any, user_pool_id: str) -> None:
        self._client = client
        self._pool = user_pool_id

    def invite(self, responder: Responder) -> bool:
        """Invite the responder; False when they already had a user (nothing sent)."""
        try:
            self._client.admin_create_user(
                UserPoolId=self._pool,
                Username=responder.responder_id,
                UserAttributes=[
                    {"Name": "email", "Value": responder.email},
                    {"Name": "email_verified", "Value": "true"},
                ],
                DesiredDeliveryMediums=["EMAIL"],
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "UsernameExistsException":
                return False
            raise
        group = "employee" if responder.kind is ResponderKind.EMPLOYEE else "advocate"
        self._client.admin_add_user_to_group(
            UserPoolId=self._pool, Username=responder.responder_id, GroupName=group
        )
        return True
