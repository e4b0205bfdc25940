"""Monthly recognition: last month's top advocates thanked by email, and the admins told who.

Run on the first of a month (RecognitionFunction's schedule), it reads last month's board (one
query of one board partition, never the ledger's entries), keeps the advocates with points
(employees and anyone SES cannot reach are left out), and sends each of them their own email
and each admin the month's list. Every send goes through `SentOnce` under the key
``recognition#<month>#<thanks|summary>#<address>``: a retried or repeated run mails nobody
twice, and a send that failed is given back, so only what failed is tried again.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from crowdcare.domain.messages import Message
from crowdcare.domain.models import Frozen, Responder, ResponderKind
from crowdcare.domain.points import Period
from crowdcare.ports import Ledger, ResponderDirectory
from crowdcare.rules.standings import board_key, ranked

DEFAULT_TOP = 10


class AdminDirectory(Protocol):
    """Who administers CrowdCare (the Cognito admin group)."""

    def admin_emails(self) -> Sequence[str]: ...


class RecognitionMailer(Protocol):
    """Sends one email; returns the provider's message id."""

    def send(self, to: str, message: Message) -> str: ...


class SentOnce(Protocol):
    """Runs a send once per key (crowdcare.adapters.dynamodb.idempotency.SentChannelsTable)."""

    def once(self, key: str, send: Callable[[], str]) -> str: ...


class Recognised(Frozen):
    """One top advocate of the month."""

    rank: int
    responder_id: str
    name: str
    email: str
    points: int
    replies: int


class RecognitionRun(Frozen):
    """What one run found and sent (a repeated run finds the same and sends nothing new)."""

    month: str
    advocates: tuple[Recognised, ...]
    emails: int


def last_month(today: date) -> date:
    """The first day of the month before `today`'s."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def _reachable(responder: Responder | None) -> bool:
    return (
        responder is not None
        and responder.kind is ResponderKind.ADVOCATE
        and not responder.email_suppressed
    )


def _page(title: str, lines: Sequence[str]) -> str:
    body = "".join(f"<p>{html.escape(line)}</p>" if line else "" for line in lines)
    return f"<html><body><h1>{html.escape(title)}</h1>{body}</body></html>"


def render_thanks(who: Recognised, month: str, of: int, brand: str) -> Message:
    """An advocate's own email: their place, points and replies of the month."""
    lines = [
        f"Hi {who.name},",
        "",
        f"In {month} you were #{who.rank} of {brand}'s top {of} advocates,"
        f" with {who.points} points from {who.replies} replies.",
        "Thank you for helping people with your answers.",
    ]
    subject = f"{brand}: you were one of the top advocates of {month}"
    return Message(subject=subject, text="\n".join(lines), html=_page(subject, lines), sms="")


def render_summary(advocates: Sequence[Recognised], month: str, brand: str) -> Message:
    """The admins' email: the month's top advocates, for a rewards programme."""
    lines = [
        f"{brand}: the top advocates of {month}",
        "",
        *(
            [
                f"#{a.rank} {a.name} <{a.email}>: {a.points} points, {a.replies} replies"
                for a in advocates
            ]
            or ["No advocate earned points this month."]
        ),
        "",
        "Each of them was sent a thank-you email. The full board: Admin > points.csv.",
    ]
    subject = f"{brand}: top advocates of {month}"
    return Message(subject=subject, text="\n".join(lines), html=_page(subject, lines), sms="")


@dataclass
class MonthlyRecognition:
    """Emails last month's top advocates and the admins, once per month and address."""

    ledger: Ledger
    responders: ResponderDirectory
    admins: AdminDirectory
    mailer: RecognitionMailer
    sent: SentOnce
    brand: str
    top: int = DEFAULT_TOP

    def top_advocates(self, month: date) -> tuple[Recognised, ...]:
        """The month's best reachable advocates with points, best first, placed among
        themselves (ties share a place)."""
        found: list[Recognised] = []
        for line in ranked(
            self.ledger.board(board_key(Period.MONTH, datetime.combine(month, time(), UTC)))
        ):
            if line.points <= 0 or len(found) >= self.top:
                break
            responder = self.responders.get(line.responder_id)
            if responder is None or not _reachable(responder):
                continue
            # Placed among the advocates recognised (employees left out), ties sharing.
            tied = bool(found) and found[-1].points == line.points
            found.append(
                Recognised(
                    rank=found[-1].rank if tied else len(found) + 1,
                    responder_id=line.responder_id,
                    name=responder.name,
                    email=responder.email,
                    points=line.points,
                    replies=line.replies,
                )
            )
        return tuple(found)

    def run(self, today: date) -> RecognitionRun:
        """Recognise the month before `today`'s; each address is mailed at most once."""
        first = last_month(today)
        month = f"{first:%Y-%m}"
        advocates = self.top_advocates(first)
        emails = 0

        def once(kind: str, address: str, message: Message) -> None:
            nonlocal emails
            key = f"recognition#{month}#{kind}#{address.lower()}"
            sent_now = False

            def send() -> str:
                nonlocal sent_now
                sent_now = True
                return self.mailer.send(address, message)

            self.sent.once(key, send)
            emails += sent_now

        label = f"{first:%B %Y}"
        for advocate in advocates:
            once(
                "thanks", advocate.email, render_thanks(advocate, label, len(advocates), self.brand)
            )
        summary = render_summary(advocates, label, self.brand)
        for address in dict.fromkeys(self.admins.admin_emails()):
            once("summary", address, summary)
        return RecognitionRun(month=month, advocates=advocates, emails=emails)
