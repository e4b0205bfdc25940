"""Demo sign-ins for the responder dashboard, created in the emulator's Cognito user pool
(used by `crowdcare demo` and `crowdcare_local.dashboard_demo`).

Each demo user's username is a responder_id of the bundled sample (so the dashboard shows that
responder's assignments), with a permanent password and the group that is their role. The
passwords are for the local emulator only; nothing here touches a real account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from crowdcare_local.stack import LocalStack

USER_POOL = "ResponderUserPool"

# (username, password, groups): the first group is the role shown to the person.
DEMO_USERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("adv.maria.lopez", "Advocate-demo-1", ("advocate",)),
    ("adv.jonas.weber", "Advocate-demo-2", ("advocate",)),
    ("emp.rachel.kim", "Employee-demo-1", ("employee",)),
    ("emp.owen.price", "Admin-demo-1", ("admin", "employee")),
)


def seed_users(stack: LocalStack) -> list[tuple[str, str, str]]:
    """Create the demo users with their groups; returns (username, password, role) per user.

    Idempotent: a user that already exists only gets its password and groups set again.
    """
    cognito = stack.client("cognito-idp")
    pool_id = stack.ref(USER_POOL)
    existing = {u["Username"] for u in cognito.list_users(UserPoolId=pool_id)["Users"]}
    seeded = []
    for username, password, groups in DEMO_USERS:
        if username not in existing:
            cognito.admin_create_user(
                UserPoolId=pool_id,
                Username=username,
                UserAttributes=[
                    {"Name": "email", "Value": f"{username}@example.com"},
                    {"Name": "email_verified", "Value": "true"},
                ],
                MessageAction="SUPPRESS",
            )
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=password, Permanent=True
        )
        for group in groups:
            cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
        seeded.append((username, password, groups[0]))
    return seeded


def print_sign_in(users: list[tuple[str, str, str]], url: str, out: TextIO) -> None:
    """How to sign in to the local dashboard, for the demo's closing output."""
    out.write(f"Dashboard   {url}/  (sign in as one of these)\n")
    for username, password, role in users:
        out.write(f"                {role:<9} {username:<18} password {password}\n")


