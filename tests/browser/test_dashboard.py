"""The responder dashboard in a real browser (Playwright driving Debian's Chromium).

The local dashboard demo runs in a child process (its own moto, template stack and API server,
so it never shares state with other tests' stacks): a mention arrives through the signed
generic webhook, the workflow assigns it to an advocate, and the browser takes it from there.
Screenshots of the main screens are saved into docs/ for the README.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import boto3
import pytest
from crowdcare.adapters.dynamodb.ledger import LedgerRepository
from crowdcare.adapters.dynamodb.replies import ReplyRepository
from crowdcare.adapters.dynamodb.repositories import MentionRepository, from_item
from crowdcare.domain.models import MentionStatus
from crowdcare.domain.points import LedgerEntry, PointsReason
from crowdcare.domain.replies import Reply, ReplyStatus
from crowdcare.rules.deeplinks import DeepLinkClaims, DeepLinkSigner

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'"
)
# The machine running the suite may be busy: a first API call cold-starts the function.
sync_api.expect.set_options(timeout=15_000)
if not CHROMIUM.is_file():
    pytest.skip(
        "Chromium is missing: apt-get install -y chromium (.ci/run does this)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The dashboard demo in a child process; its first stdout line says where it is."""
    outbox = tmp_path_factory.mktemp("outbox")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crowdcare_local.dashboard_demo",
            "--port",
            "0",
            "--outbox",
            str(outbox),
        ],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{REPO / 'layers/core'}:{REPO / 'infra/local'}"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.kill()
        pytest.fail("the dashboard demo did not start")
    try:
        yield json.loads(line)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium from Debian, launched the way CI can run it."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield chromium
        chromium.close()


def _password(demo: dict[str, Any], username: str) -> str:
    return str(next(u["password"] for u in demo["users"] if u["username"] == username))


def _sign_in(page: Any, demo: dict[str, Any], username: str) -> None:
    page.goto(demo["url"] + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(_password(demo, username))
    page.get_by_role("button", name="Sign in").click()
    sync_api.expect(page.get_by_role("link", name="Feed")).to_be_visible()


def _client(demo: dict[str, Any], service: Any) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=demo["endpoint"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _link_in_outbox(demo: dict[str, Any], username: str) -> str:
    """The dashboard link in the notification email the responder was sent (from the outbox)."""
    item = _client(demo, "dynamodb").get_item(
        TableName="crowdcare-dashboard-RespondersTable",
        Key={"responder_id": {"S": username}},
    )["Item"]
    address = from_item(item)["email"]
    emails = sorted(Path(demo["outbox"]).glob("*.eml"))
    for path in emails:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if address not in str(message["To"]):
            continue
        body = message.get_body(preferencelist=("plain", "html"))
        assert body is not None
        found = re.search(r"https?://[^\s\"'<>]+/assignments/[^\s\"'<>]+", body.get_content())
        if found:
            return found.group(0).replace("&amp;", "&")
    raise AssertionError(f"no notification link for {username} among {[p.name for p in emails]}")


def _expired_link(demo: dict[str, Any], username: str) -> str:
    """A genuine link for the live mention and this responder, signed with the stack's own
    secret, that expired a minute ago."""
    secrets = _client(demo, "secretsmanager")
    for entry in secrets.list_secrets()["SecretList"]:
        value = json.loads(secrets.get_secret_value(SecretId=entry["ARN"])["SecretString"])
        if "deep_link_secret" in value:
            signer = DeepLinkSigner(value["deep_link_secret"].encode())
            claims = DeepLinkClaims(
                mention_id="facebook#dash-1",
                responder_id=username,
                attempt=1,
                expires=datetime.now(UTC) - timedelta(minutes=1),
            )
            return signer.link(demo["url"], claims)
    raise AssertionError("the stack has no deep-link secret")


def _sign_in_here(page: Any, demo: dict[str, Any], username: str) -> None:
    """Sign in on the page as it stands (a deep link keeps its address until then)."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(_password(demo, username))
    page.get_by_role("button", name="Sign in").click()


def _pipeline_reply(demo: dict[str, Any], mention_id: str, timeout: float = 30.0) -> Any:
    """The reply pipeline's record for a mention, once the poster has posted it."""
    ddb = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=demo["endpoint"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    table = "crowdcare-dashboard-RepliesTable"
    deadline = time.monotonic() + timeout
    record: Any = None
    while time.monotonic() < deadline:
        items = [from_item(i) for i in ddb.scan(TableName=table, ConsistentRead=True)["Items"]]
        # Reply records only (the mention's live-reply guard item has no status).
        record = next(
            (i for i in items if i.get("mention_id") == mention_id and "status" in i), None
        )
        if record is not None and record["status"] == "posted":
            return record
        time.sleep(0.2)
    return record


def _shot(page: Any, name: str, *, full_page: bool = True) -> None:
    DOCS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DOCS / name), full_page=full_page)


def test_a_wrong_password_is_explained_in_plain_words(demo: dict[str, Any], browser: Any) -> None:
    """Cognito refuses the password: the form says so, and nothing else happens."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(demo["url"] + "/")
    page.get_by_label("Username").fill(demo["assigned_to"])
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    sync_api.expect(page.locator("#signin-error")).to_have_text("Wrong username or password.")
    sync_api.expect(page.get_by_role("link", name="Feed")).to_be_hidden()
    context.close()


def test_a_link_from_the_notification_email_opens_the_mention_after_sign_in(
    demo: dict[str, Any], browser: Any
) -> None:
    """GIVEN the email the assigned advocate was sent WHEN its link is opened THEN the page asks
    to sign in, then opens the feed on that mention; anyone else is told it is not theirs."""
    advocate = demo["assigned_to"]
    link = _link_in_outbox(demo, advocate)
    assert link.startswith(demo["url"] + "/assignments/facebook%23dash-1?t=")
    expect = sync_api.expect
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(link)
    expect(page.locator("#signin-error")).to_have_text(
        "Sign in to open the mention your link is for."
    )
    _sign_in_here(page, demo, advocate)
    card = page.locator("li.card.linked")
    expect(card).to_contain_text("weekly heating schedule")
    expect(card.locator("textarea")).to_be_focused()
    expect(page).to_have_url(demo["url"] + "/#feed")
    context.close()

    # AND someone else who signs in through the same link is told why it does not open
    other = browser.new_context()
    page = other.new_page()
    page.goto(link)
    _sign_in_here(page, demo, "adv.jonas.weber")
    expect(page.locator("#view-link")).to_be_visible()
    expect(page.locator("#link-message")).to_contain_text("sent to another responder")
    page.get_by_role("link", name="Go to your feed").click()
    expect(page.locator("#view-feed")).to_be_visible()
    other.close()


def test_an_expired_link_says_so_and_offers_the_feed(demo: dict[str, Any], browser: Any) -> None:
    """GIVEN a genuine link for the advocate that expired WHEN they open it signed in THEN the
    page says it expired, and the feed is one click away."""
    advocate = demo["assigned_to"]
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, demo, advocate)
    page.goto(_expired_link(demo, advocate))
    expect = sync_api.expect
    expect(page.locator("#link-message")).to_contain_text("expired")
    _shot(page, "dashboard-link-expired.png", full_page=False)
    page.get_by_role("link", name="Go to your feed").click()
    expect(page.locator("li.card").filter(has_text="weekly heating schedule")).to_be_visible()
    context.close()


def test_the_composer_counts_what_the_server_counts(demo: dict[str, Any], browser: Any) -> None:
    """GIVEN drafts with emoji, CJK, combining marks and URLs WHEN typed or measured in the page
    THEN the counter shows the server's count (X weighted, Bluesky graphemes, Mastodon URLs)."""
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, demo, demo["assigned_to"])
    card = page.locator("li.card").filter(has_text="weekly heating schedule")
    box = card.get_by_label("Reply to @lena_at_home")
    # Facebook counts code points: a skin-toned thumbs-up is 2, not the 4 UTF-16 units of JS.
    box.fill("Thanks 👍🏽")
    sync_api.expect(card.locator(".counter")).to_have_text("9 / 8,000 characters")
    sync_api.expect(card.get_by_role("button", name="Send reply")).to_be_enabled()
    # The same cases as the Python tests, through the page's own measuring function.
    cases = [
        ("x", "see https://example.com/a/very/long/path/indeed ok", 30),
        ("x", "日本語", 6),
        ("x", "hi 👍🏽", 5),
        ("x", "e\u0301", 1),  # NFC: one é
        ("x", "漢" * 160, 320),
        ("bluesky", "e\u0301 👨‍👩‍👧", 3),
        ("mastodon", "go https://example.com/" + "p" * 60, 26),
    ]
    for platform, text, length in cases:
        measured = page.evaluate("([p, t]) => measureDraft(p, t)", [platform, text])
        assert measured["length"] == length, (platform, text, measured)
    context.close()


def test_two_employees_take_the_same_queued_mention_one_wins(
    demo: dict[str, Any], browser: Any
) -> None:
    """GIVEN a queued mention on two employees' screens WHEN both click "Take it" at the same
    moment THEN exactly one gets it, the other is told who took it, and the winner's feed
    shows it."""
    # GIVEN a mention triage found nothing to do about, put in the queue with the live one's
    # triage (a stored mention is triaged on arrival, so it waits until triage is done)
    mentions = MentionRepository(_client(demo, "dynamodb"), "crowdcare-dashboard-MentionsTable")
    live = mentions.get("facebook#dash-1")
    assert live is not None and live.triage is not None
    quiet = live.mention.model_copy(
        update={
            "post_id": "dash-queued",
            "text": "Queued post: lovely sunny weather today",
            "author": live.mention.author.model_copy(update={"followers": 3, "id": "u-q"}),
        }
    )
    mentions.put_if_new(quiet, datetime.now(UTC))
    deadline = time.monotonic() + 30
    while (stored := mentions.get(quiet.mention_id)) is not None and stored.triage is None:
        assert time.monotonic() < deadline, "triage did not finish"
        time.sleep(0.2)
    assert stored is not None and stored.status is MentionStatus.NO_ACTION, stored
    # As the assignment workflow queues it (set_status keeps the queue index in step).
    mentions.record_triage(quiet.mention_id, live.triage, MentionStatus.TRIAGED)
    mentions.set_status(quiet.mention_id, MentionStatus.QUEUED, "every candidate was full")
    expect = sync_api.expect
    pages = []
    for employee in ("emp.rachel.kim", "emp.owen.price"):
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        _sign_in(page, demo, employee)
        page.get_by_role("link", name="Queue").click()
        expect(
            page.locator("#queue li.card").filter(has_text="lovely sunny weather")
        ).to_be_visible()
        pages.append((context, page))
    _shot(pages[0][1], "dashboard-queue.png")
    # (the first employee's feed, open in another window, is never reloaded by the test)
    watching = browser.new_context(viewport={"width": 1200, "height": 900})
    feed_page = watching.new_page()
    _sign_in(feed_page, demo, "emp.rachel.kim")
    cards = [p.locator("#queue li.card").filter(has_text="lovely sunny weather") for _, p in pages]
    # WHEN both click "Take it" at once
    _click_take_at_once([p for _, p in pages], cards)
    # THEN exactly one wins, and the other is told who did
    outcomes = {
        employee: _take_outcome(p, card)
        for employee, (_, p), card in zip(
            ("emp.rachel.kim", "emp.owen.price"), pages, cards, strict=True
        )
    }
    winners = [e for e, outcome in outcomes.items() if outcome.startswith("It's yours")]
    assert len(winners) == 1, outcomes
    (loser,) = set(outcomes) - set(winners)
    told = f"Someone was quicker: {winners[0]} took this mention first."
    assert outcomes[loser] == told, outcomes
    loser_page = pages[["emp.rachel.kim", "emp.owen.price"].index(loser)][1]
    _shot(loser_page, "dashboard-queue-taken.png", full_page=False)
    if winners[0] != "emp.rachel.kim":
        feed_page.close()
        feed_page = watching.new_page()
        _sign_in(feed_page, demo, winners[0])
    # AND the winner's open feed shows the mention once the workflow assigns it (live update)
    expect(
        feed_page.locator("#feed li.card").filter(has_text="lovely sunny weather")
    ).to_be_visible(timeout=45_000)
    watching.close()
    for context, _ in pages:
        context.close()


def _click_take_at_once(pages: list[Any], cards: list[Any]) -> None:
    """Click "Take it" on every page, holding each page's take request until all are in
    flight, then letting them all go to the server together: no click knows another's
    outcome before its own request is sent."""
    held: list[Any] = []

    def hold(route: Any) -> None:
        held.append(route)

    for page in pages:
        page.route("**/api/queue/*/take", hold)
    for card in cards:
        card.get_by_role("button", name="Take it").click()
    deadline = time.monotonic() + 15
    while len(held) < len(pages):
        assert time.monotonic() < deadline, f"only {len(held)} take request(s) were sent"
        pages[0].wait_for_timeout(20)
    for route in held:
        route.continue_()


def _take_outcome(page: Any, card: Any, timeout: float = 20.0) -> str:
    """What a page said after its "Take it" click: the status line's "It's yours…" or the
    card's error."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = page.locator("#status").text_content() or ""
        if status.startswith("It's yours"):
            return status
        if card.count() and (error := card.locator(".error").text_content() or ""):
            return error
        page.wait_for_timeout(50)
    raise AssertionError("the page never said how its take went")


def test_shortcuts_help_and_filters_work_from_the_keyboard(
    demo: dict[str, Any], browser: Any
) -> None:
    """GIVEN the advocate's feed WHEN "?" is pressed THEN the shortcuts are listed; j selects a
    mention, r jumps to its reply box, d opens decline; a search that matches nothing says so."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    expect = sync_api.expect
    _sign_in(page, demo, demo["assigned_to"])
    card = page.locator("#feed li.card").filter(has_text="weekly heating schedule")
    expect(card).to_be_visible()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    expect(page.locator("#shortcuts")).to_contain_text("Next mention")
    _shot(page, "dashboard-shortcuts.png", full_page=False)
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()
    page.keyboard.press("j")
    expect(card).to_have_class(re.compile("selected"))
    page.keyboard.press("r")
    expect(card.locator("textarea")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("d")
    expect(card.locator("details.decline")).to_have_attribute("open", "")
    page.get_by_label("Search").fill("no such words anywhere")
    expect(page.locator("#feed")).to_contain_text("Nothing matches these filters.")
    page.get_by_label("Search").fill("heating")
    expect(card).to_be_visible()
    page.get_by_label("Platform").select_option("facebook")
    expect(card).to_be_visible()
    context.close()


def test_an_admin_saves_replies_and_the_advocate_inserts_one(
    demo: dict[str, Any], browser: Any
) -> None:
    """GIVEN an admin adds, edits and deletes saved replies in the editor (an unknown
    placeholder refused) WHEN the advocate picks one in the composer THEN it is inserted with
    the author's handle filled in (on a phone-sized screen, whose header stays compact)."""
    admin = browser.new_context(viewport={"width": 1200, "height": 900})
    page = admin.new_page()
    expect = sync_api.expect
    _sign_in(page, demo, "emp.owen.price")
    page.get_by_role("link", name="Saved replies").click()
    expect(page.locator("#saved")).to_contain_text("No saved replies yet.")

    form = page.locator("#saved-form")

    def add(title: str, text: str, language: str, *, stored: bool = True) -> None:
        page.get_by_role("button", name="Add a saved reply").click()
        form.get_by_label("Title").fill(title)
        form.get_by_label("Language").fill(language)
        form.get_by_label("Text").fill(text)
        form.get_by_role("button", name="Save reply").click()
        if stored:
            expect(form).to_be_hidden()
            expect(page.locator("#saved tbody tr").filter(has_text=title)).to_be_visible()

    add("Weekly schedule", "Hi {author}! Open Schedule > Weekly.", "en")
    add("Horario", "Hola {author}", "es")
    add("Typo", "Hi {autor}", "en", stored=False)
    expect(page.locator("#saved-error")).to_contain_text("{autor} is not a placeholder")
    form.get_by_role("button", name="Cancel").click()
    add("Old one", "Hi {author}, sorry!", "en")
    # edit: the Spanish reply gains the responder's name; delete: the old one goes
    page.get_by_role("button", name="Edit Horario").click()
    form.get_by_label("Text").fill("Hola {author}, soy {name}.")
    form.get_by_role("button", name="Save reply").click()
    expect(page.locator("#saved")).to_contain_text("Hola {author}, soy {name}.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete Old one").click()
    expect(page.locator("#saved tbody tr")).to_have_count(2)
    expect(page.locator("#saved")).not_to_contain_text("Old one")
    _shot(page, "dashboard-saved-replies.png", full_page=False)
    admin.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    small = phone.new_page()
    _sign_in(small, demo, demo["assigned_to"])
    card = small.locator("#feed li.card").filter(has_text="weekly heating schedule")
    sync_api.expect(card).to_be_visible(timeout=15_000)
    picker = card.get_by_label("Insert a saved reply")
    # only the English reply is offered for this English mention
    sync_api.expect(picker.locator("option")).to_have_count(2)
    picker.select_option(label="Weekly schedule")
    box = card.get_by_label("Reply to @lena_at_home")
    sync_api.expect(box).to_have_value("Hi @lena_at_home! Open Schedule > Weekly.")
    header = small.locator("header.top").bounding_box()
    assert header is not None and header["height"] < 90, header
    card.scroll_into_view_if_needed()
    _shot(small, "dashboard-feed-mobile.png", full_page=False)
    box.fill("")
    phone.close()


def test_an_invited_responder_chooses_a_password_at_first_sign_in(
    demo: dict[str, Any], browser: Any
) -> None:
    """GIVEN a user invited with a temporary password WHEN they sign in THEN the page asks for a
    new password (Cognito's NEW_PASSWORD_REQUIRED) and signs them in with it."""
    cognito = _client(demo, "cognito-idp")
    pool_id = cognito.list_user_pools(MaxResults=10)["UserPools"][0]["Id"]
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username="adv.new.joiner",
        TemporaryPassword="Temporary-pass-1",
        MessageAction="SUPPRESS",
    )
    cognito.admin_add_user_to_group(
        UserPoolId=pool_id, Username="adv.new.joiner", GroupName="advocate"
    )
    context = browser.new_context()
    page = context.new_page()
    page.goto(demo["url"] + "/")
    page.get_by_label("Username").fill("adv.new.joiner")
    page.get_by_label("Password", exact=True).fill("Temporary-pass-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("New password", exact=True).fill("Brand-new-pass-42")
    page.get_by_label("New password again").fill("Brand-new-pass-42")
    page.get_by_role("button", name="Set password and sign in").click()
    sync_api.expect(page.get_by_role("link", name="Feed")).to_be_visible()
    context.close()


def _expect_one_deadline(card: Any) -> None:
    """The card's reasons name the band's deadline and no second (global) SLA."""
    sync_api.expect(card.locator(".reasons")).to_contain_text("Answer by")
    sync_api.expect(card.locator(".reasons")).not_to_contain_text("min SLA")


def _expect_context(card: Any) -> None:
    """A card shows the mention's priority, its deadline, a link to the post and the author's
    earlier mention with what was answered."""
    sync_api.expect(card).to_contain_text(re.compile(r"priority \d+"))
    sync_api.expect(card.locator(".due")).to_contain_text(re.compile(r"left|overdue"))
    sync_api.expect(card.get_by_role("link", name="Open on the platform")).to_be_visible()
    _expect_history(card)


EARLIER_TEXT = "Lovely sunny weather today"
EARLIER_ANSWER = "Enjoy the sun, Lena!"


@pytest.fixture(scope="module")
def lena_history(demo: dict[str, Any]) -> None:
    """Lena posted before (three days ago) and was answered: her earlier mention, triaged as
    nothing to do, with the reply that was posted."""
    mentions = MentionRepository(_client(demo, "dynamodb"), "crowdcare-dashboard-MentionsTable")
    live = mentions.get("facebook#dash-1")
    assert live is not None
    earlier = live.mention.model_copy(
        update={
            "post_id": "dash-earlier",
            "url": "https://facebook.com/brightwave/posts/dash-earlier",
            "text": EARLIER_TEXT,
            "created_at": live.mention.created_at - timedelta(days=3),
            "author": live.mention.author.model_copy(update={"followers": 3}),
        }
    )
    mentions.put_if_new(earlier, datetime.now(UTC))
    deadline = time.monotonic() + 30
    while (stored := mentions.get(earlier.mention_id)) is not None and stored.triage is None:
        assert time.monotonic() < deadline, "triage did not finish"
        time.sleep(0.2)
    assert stored is not None and stored.status is MentionStatus.NO_ACTION, stored
    replies = ReplyRepository(_client(demo, "dynamodb"), "crowdcare-dashboard-RepliesTable")
    assert replies.create(
        Reply(
            reply_id="r-dash-earlier",
            mention_id=earlier.mention_id,
            responder_id="emp.rachel.kim",
            platform=earlier.platform,
            text=EARLIER_ANSWER,
            status=ReplyStatus.POSTED,
            requested_at=earlier.created_at + timedelta(minutes=20),
        )
    )


def _expect_history(card: Any) -> None:
    """A card lists the author's earlier mention with the answer that was posted."""
    history = card.locator("details.earlier")
    sync_api.expect(history).to_contain_text("Earlier from this author (1)")
    sync_api.expect(history.locator(".said")).to_have_text(EARLIER_TEXT)
    sync_api.expect(history.locator(".answer")).to_have_text(f"We answered: {EARLIER_ANSWER}")


@pytest.mark.usefixtures("lena_history")
def test_advocate_reply_is_approved_posted_and_scored(demo: dict[str, Any], browser: Any) -> None:
    """Advocate signs in, sees the mention (and what Lena asked before, with our answer),
    replies; the reply waits; an employee approves it (seeing the same history); once the
    platform confirms the post, the advocate's points appear on the leaderboard and on her
    points page with their reasons."""
    advocate = demo["assigned_to"]
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    expect = sync_api.expect

    # WHEN the advocate signs in
    _sign_in(page, demo, advocate)
    # THEN the feed shows the mention with its author and time left
    card = page.locator("li.card").filter(has_text="weekly heating schedule")
    expect(card).to_be_visible()
    expect(card).to_contain_text("@lena_at_home")
    expect(card).to_contain_text("1,840 followers")
    expect(card.locator(".due")).to_contain_text(re.compile(r"left|overdue"))
    # AND one deadline (the band's, never triage's global "… min SLA" beside it), and Lena's
    # earlier mention with what was answered
    _expect_one_deadline(card)
    _expect_history(card)

    # WHEN a too-long reply is typed, the composer says so and will not send
    box = card.get_by_label("Reply to @lena_at_home")
    box.fill("x" * 8001)
    expect(card.locator(".counter")).to_have_class(re.compile("over"))
    expect(card.get_by_role("button", name="Send reply")).to_be_disabled()
    # AND a good reply shows as it will appear
    reply = "Hi Lena! Open Schedule > Weekly, set your times, then tap Save on each day."
    box.fill(reply)
    expect(card.locator(".preview")).to_contain_text(reply)
    _shot(page, "dashboard-feed.png")
    card.get_by_role("button", name="Send reply").click()

    # THEN it waits for approval
    expect(page.locator("li.card .state.pending_approval")).to_be_visible()
    page.get_by_role("link", name="My replies").click()
    expect(page.locator("#replies")).to_contain_text("Waiting for approval")
    page.get_by_role("button", name="Sign out").click()

    # WHEN an employee approves it
    _sign_in(page, demo, "emp.rachel.kim")
    page.get_by_role("link", name="Approvals").click()
    pending = page.locator("#approvals li.card").filter(has_text="answering @lena_at_home")
    expect(pending).to_be_visible()
    # AND the approver sees the mention's context: urgency, deadline, link to the post
    _expect_context(pending)
    _shot(page, "dashboard-approvals.png")
    pending.get_by_role("button", name="Approve and post").click()
    expect(page.locator("#approvals")).to_contain_text("No replies are waiting")

    # THEN the reply pipeline posts it on the (fake) platform through its adapter
    posted = _pipeline_reply(demo, "facebook#dash-1")
    assert posted["status"] == "posted"
    assert posted["text"] == reply
    assert posted["posted"]["url"].startswith("http")

    # AND, the post confirmed, the advocate's points appear on the leaderboard
    page.get_by_role("link", name="Leaderboard").click()
    row = page.locator("#board-week tbody tr").first
    expect(row).to_contain_text("María López")
    expect(row.locator("td.num").last).to_have_text(re.compile(r"^[1-9]\d*$"))
    _shot(page, "dashboard-leaderboard.png")
    page.get_by_role("button", name="Sign out").click()

    # AND the advocate's feed is empty and the reply shows as posted
    _sign_in(page, demo, advocate)
    expect(page.locator("#feed")).to_contain_text("Nothing assigned to you right now")
    page.get_by_role("link", name="My replies").click()
    expect(page.locator("#replies")).to_contain_text("Posted")
    # AND her points page shows why she earned them, and her first badge
    _sees_her_points(page)
    context.close()


def _sees_her_points(page: Any) -> None:
    """The advocate's points page: each movement with its reason, and the first badge."""
    expect = sync_api.expect
    page.get_by_role("link", name="My points").click()
    history = page.locator("#points-history tbody")
    expect(history).to_contain_text("Reply posted")
    expect(history.locator("tr").filter(has_text="Reply posted")).to_contain_text("+10")
    expect(history.locator("tr").filter(has_text="Approved without edits")).to_contain_text("+2")
    expect(page.locator("#points-badges")).to_contain_text("First reply")
    _shot(page, "dashboard-points.png")


def test_admin_imports_responders_and_sees_row_errors(
    demo: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    """An admin imports a CSV with a bad row: the good rows are added, the bad one explained."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    _sign_in(page, demo, "emp.owen.price")
    page.get_by_role("link", name="Responders").click()
    csv_file = tmp_path / "responders.csv"
    csv_file.write_text(
        "responder_id,kind,name,email,languages,skills,timezone\n"
        "adv.kai.lee,advocate,Kai Lee,kai@example.com,en;de,app,Europe/Berlin\n"
        "adv.broken,wizard,Bro Ken,not-an-email,en,,Nowhere/Land\n",
        encoding="utf-8",
    )
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Import").click()
    report = page.locator("#import-report")
    sync_api.expect(report).to_contain_text("1 added, 0 updated.")
    sync_api.expect(report).to_contain_text("Line 3 (adv.broken)")
    sync_api.expect(page.locator("#responders")).to_contain_text("Kai Lee")
    _shot(page, "dashboard-admin.png")

    # AND the profile page works on a phone-sized screen
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    small = phone.new_page()
    _sign_in(small, demo, "adv.jonas.weber")
    small.get_by_role("link", name="Profile").click()
    sync_api.expect(small.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    small.get_by_label("Time zone").fill("Mars/Olympus")
    small.get_by_role("button", name="Save profile").click()
    sync_api.expect(small.locator("#profile-error")).to_contain_text("unknown time zone")
    small.get_by_label("Time zone").fill("Europe/Berlin")
    small.get_by_role("button", name="Pause new mentions").click()
    sync_api.expect(small.locator("#p-state")).to_contain_text("Paused")
    sync_api.expect(small.locator("#status")).not_to_have_class(re.compile("show"), timeout=6000)
    _shot(small, "dashboard-profile-mobile.png", full_page=False)
    phone.close()
    context.close()


def test_an_advocate_of_the_configured_rank_gets_the_queue_tab(
    demo: dict[str, Any], browser: Any
) -> None:
    """GIVEN the queue open to champions (the template's QUEUE_TAKE_MIN_RANK) WHEN an advocate
    without the rank signs in THEN there is no Queue tab; once she has earned 600 points (two
    months ago: no weekly board changes) THEN the tab is there and the queue opens."""
    expect = sync_api.expect
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    _sign_in(page, demo, "adv.jonas.weber")
    expect(page.get_by_role("link", name="Queue")).to_have_count(0)
    ledger = LedgerRepository(_client(demo, "dynamodb"), "crowdcare-dashboard-LedgerTable")
    ledger.append(
        LedgerEntry(
            responder_id="adv.jonas.weber",
            entry_id="rank-test-1",
            reason=PointsReason.REPLY_POSTED,
            points=600,
            mention_id="facebook#rank-test",
            at=datetime.now(UTC) - timedelta(days=60),
        )
    )

    page.reload()

    page.get_by_role("link", name="Queue").click()
    expect(page.locator("#view-queue")).to_be_visible()
    expect(page.locator("#alert")).to_be_hidden()
    context.close()


def test_signing_out_everywhere_ends_the_other_devices_session(
    demo: dict[str, Any], browser: Any
) -> None:
    """GIVEN an advocate signed in on a laptop and a phone WHEN she signs out everywhere on the
    phone THEN the phone shows the sign-in form, and the laptop's next request is refused (its
    refresh token revoked too), so it asks her to sign in again."""
    expect = sync_api.expect
    laptop = browser.new_context(viewport={"width": 1200, "height": 900})
    on_laptop = laptop.new_page()
    _sign_in(on_laptop, demo, "adv.jonas.weber")
    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    on_phone = phone.new_page()
    _sign_in(on_phone, demo, "adv.jonas.weber")
    on_phone.get_by_role("link", name="Profile").click()
    expect(on_phone.get_by_role("button", name="Sign out everywhere")).to_be_visible()
    _shot(on_phone, "dashboard-sessions-mobile.png", full_page=True)

    on_phone.get_by_role("button", name="Sign out everywhere").click()

    expect(on_phone.locator("#signin-error")).to_have_text("You are signed out on every device.")
    assert on_phone.evaluate("sessionStorage.getItem('cc.token')") is None
    on_laptop.get_by_role("link", name="My replies").click()
    expect(on_laptop.locator("#signin-error")).to_have_text(
        "Your session has ended. Please sign in again."
    )
    expect(on_laptop.get_by_role("link", name="Feed")).to_be_hidden()
    laptop.close()
    phone.close()
