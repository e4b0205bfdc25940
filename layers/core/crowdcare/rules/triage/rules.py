"""Triage rules: every threshold, weight and keyword list the triage steps use.

Rules are configuration, not code: a deployment stores one JSON document (in SSM) and loads it
with `TriageRules.model_validate_json`; `TriageRules.default()` is the documented starting
point. Keyword lists are matched case-insensitively on word boundaries; a keyword may be a
phrase ("class action").
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, PrivateAttr, field_validator, model_validator

from crowdcare.domain.models import Frozen
from crowdcare.rules.triage.keywords import KeywordMatcher, Keywords, normalise_keywords
from crowdcare.rules.triage.weights import (
    AssignmentRules,
    PriorityBands,
    PriorityWeights,
    RoutingWeights,
    Score,
)

EmployeeFlag = Literal[
    "offensive", "angry", "legal", "safety", "pii", "account", "high_influence"
]
Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class CompiledRules:
    """Regexes built once per rules document (the hot path must not recompile them)."""

    def __init__(self, rules: TriageRules) -> None:
        self.urgency = KeywordMatcher(rules.urgency_words)
        self.legal = KeywordMatcher(rules.legal_words)
        self.anger = KeywordMatcher(rules.anger_markers)
        self.spam = KeywordMatcher(rules.spam_markers)
        self.promo = KeywordMatcher(rules.promo_words)
        self.praise = KeywordMatcher(rules.praise_markers)
        self.question = KeywordMatcher(rules.question_markers)
        self.complaint = KeywordMatcher(rules.complaint_markers)
        self.profanity = KeywordMatcher(rules.profanity)
        self.safety = KeywordMatcher(rules.safety_words)
        self.account = KeywordMatcher(rules.account_words)
        self.rhetorical = KeywordMatcher(rules.rhetorical_markers)
        self.topics = {tag: KeywordMatcher(words) for tag, words in rules.topic_keywords.items()}


class TriageRules(Frozen):
    """All thresholds, weights and keyword lists of analyze, prioritize and route."""

    # --- analyze -----------------------------------------------------------------------
    neutral_band: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        default=0.05, description="|compound| below this is neutral (VADER's published band)"
    )
    mixed_threshold: Unit = Field(
        default=0.2, description="mixed when both positive and negative proportions reach this"
    )
    angry_compound: Annotated[float, Field(ge=-1.0, le=0.0)] = Field(
        default=-0.5, description="angry needs compound at or below this plus an anger signal"
    )
    complaint_compound: Annotated[float, Field(ge=-1.0, le=0.0)] = Field(
        default=-0.25, description="negative enough on its own to read as a complaint"
    )
    complaint_marker_max_compound: Unit = Field(
        default=0.8,
        description="a failure marker reads as a complaint unless compound reaches this; set"
        " above praise_compound because politeness ('please help, thanks') lifts VADER's score"
        " without making a failure any less of a complaint",
    )
    praise_compound: Unit = Field(
        default=0.5, description="positive enough on its own to read as praise"
    )
    shouting_min_words: Annotated[int, Field(ge=1)] = Field(
        default=3, description="ALL-CAPS words (3+ letters) that count as shouting"
    )
    # --- the trained models (embedded or Bedrock) -----------------------------------
    offensive_threshold: Unit = Field(
        default=0.5,
        description="P(offensive) at or above this flags the post as offensive/abusive; kept"
        " at or below 0.5 because a volunteer must never receive abuse",
    )
    offensive_threshold_other_languages: Unit = Field(
        default=0.8,
        description="the offensive model's threshold outside reply_model_languages: it was"
        " trained on English and misreads plain complaints elsewhere; the profanity list"
        " covers the other languages",
    )
    anger_threshold: Unit = Field(
        default=0.65, description="P(anger) at or above this, with a negative or mixed tone, is"
        " angry (the anger model never saw calm posts: it reads ~0.5 on them)"
    )
    complaint_threshold: Unit = Field(
        default=0.5, description="P(complaint) at or above this makes the intent a complaint"
    )
    needs_reply_threshold: Unit = Field(
        default=0.5, description="P(needs reply) at or above this means someone should answer"
    )
    needs_reply_margin: Unit = Field(
        default=0.1,
        description="an 'other' post whose P(needs reply) is this close to the threshold is"
        " unsure: a human sees it",
    )
    min_confidence: Unit = Field(
        default=0.55,
        description="below this confidence in the intent the post is 'unsure': it is never"
        " dropped, a human sees it",
    )
    min_sentiment_confidence: Unit = Field(
        default=0.45,
        description="below this the sentiment is 'unsure' too (three classes: 0.33 is a coin"
        " toss, so the bar is lower than for intent)",
    )
    model_mixed_threshold: Unit = Field(
        default=0.35, description="the model's sentiment is mixed when P(pos) and P(neg) reach this"
    )
    model_languages: Keywords = Field(
        default=("en", "es", "fr", "de", "it", "pt", "ar", "hi"),
        description="languages the sentiment model was trained on; other languages are 'unsure'",
    )
    reply_model_languages: Keywords = Field(
        default=("en",),
        description="languages the complaint / needs-reply / offensive / anger models were"
        " trained on; elsewhere a post that is not plainly praise or spam goes to a human",
    )
    employee_flags: tuple[EmployeeFlag, ...] = Field(
        default=(
            "offensive", "angry", "legal", "safety", "pii", "account", "high_influence",
        ),
        description="what sends a post to an employee, never a volunteer; 'offensive' and"
        " 'angry' cannot be removed",
    )
    profanity: Keywords = Field(
        default=(
            "fuck", "fucking", "fucked", "fucker", "fuckin", "f*ck", "f**k", "fck", "fk",
            "shit", "shitty", "bullshit", "crap", "crappy", "crapped", "ass", "asshole",
            "arsehole", "bitch", "bastard",
            "dick", "dickhead", "cunt", "wanker", "twat", "piss", "piss off", "pissed", "pissing",
            "wtf", "ffs", "moron",
            "morons", "idiot", "idiots", "imbecile", "imbeciles", "stupid", "dumb", "retard",
            "retarded", "stfu", "gtfo", "bitches", "assholes", "bastards", "wankers",
            "mierda", "joder", "puta", "cabrón", "pendejo", "putain", "merde", "connard",
            "scheiße", "scheisse", "arschloch", "porra", "caralho", "merda", "cazzo",
            "vaffanculo", "stronzo",
        ),
        description="words that make a post offensive whatever the model says",
    )
    safety_words: Keywords = (
        "fire", "on fire", "caught fire", "smoke", "smoking", "sparks", "sparking",
        "burning smell", "smells like burning", "burnt", "melted", "melting", "explode",
        "exploded", "electric shock", "shocked me", "electrocuted", "injured", "injury",
        "burned me", "burns", "carbon monoxide", "gas leak", "overheating", "hazard",
        "dangerous", "incendio", "humo", "fuego", "feu", "fumée", "rauch",
        "fogo", "fumaça", "fuoco", "fumo",
    )
    account_words: Keywords = (
        "my account", "my order", "order number", "my subscription", "my bill",
        "my invoice", "charged me", "charged twice", "double charged", "refund",
        "my password", "locked out", "cancel my", "my card", "my payment", "tracking number",
        "my delivery", "my package", "my parcel", "mi cuenta", "mi pedido", "mon compte",
        "ma commande", "mein konto", "meine bestellung", "minha conta", "meu pedido",
        "il mio account", "il mio ordine",
    )
    rhetorical_markers: Keywords = Field(
        default=(
            "can i just say", "can i say", "may i say", "just wanted to say", "have to say",
            "must say", "gotta say", "need to say", "how awesome", "how great", "how amazing",
            "what a great", "what an amazing", "who knew",
        ),
        description="question-shaped praise: these do not make a post a question",
    )
    spam_threshold: Annotated[int, Field(ge=1)] = Field(
        default=2, description="spam points needed: strong marker 2, link 1, promo word 1"
    )
    urgency_words: Keywords = (
        "urgent", "urgently", "asap", "emergency", "outage", "down", "offline",
        "not working", "stopped working", "doesn't work", "no heat", "no heating",
        "freezing", "overheating", "smoke", "fire", "burning", "sparks", "locked out",
        "can't log in", "cannot log in", "right now", "immediately", "all day",
    )
    legal_words: Keywords = (
        "lawyer", "attorney", "solicitor", "sue", "suing", "lawsuit", "legal action",
        "class action", "court", "small claims", "gdpr", "ccpa", "data protection",
        "chargeback", "trading standards", "consumer protection", "ombudsman", "bbb",
        "regulator", "fcc", "ftc", "abogado", "demanda", "avocat", "plainte", "anwalt",
        "klage", "advogado", "processo", "avvocato", "denuncia",
    )
    anger_markers: Keywords = (
        "wtf", "ffs", "furious", "livid", "outraged", "disgusting", "disgraceful",
        "pathetic", "ridiculous", "unacceptable", "useless", "worst", "scam", "scammers",
        "rip off", "ripoff", "fraud", "hate", "sick of", "fed up", "done with", "never again",
        "joke", "shame on you", "angry", "damn", "fuck", "fucking", "shit", "crap", "bullshit",
        "!!!",
        # es / fr / de / pt / it: the same signs, for the languages customers write in.
        "nunca más", "inaceptable", "vergüenza", "estafa", "harto", "harta", "jamais plus",
        "inadmissible", "scandaleux", "honteux", "arnaque", "marre", "nie wieder",
        "unverschämt", "unfassbar", "frechheit", "betrug", "nunca mais", "inaceitável",
        "palhaçada", "vergonha", "golpe", "mai più", "inaccettabile", "vergogna", "truffa",
        "basta",
    )
    spam_markers: Keywords = (
        "follow for follow", "follow4follow", "f4f", "followback", "follow back",
        "free followers", "crypto giveaway", "btc giveaway", "eth giveaway", "airdrop",
        "send 1 btc", "double your", "dm me for", "dm for promo", "onlyfans",
        "make money from home", "earn $", "forex signals",
    )
    promo_words: Keywords = (
        "giveaway", "promo code", "discount code", "coupon", "click here", "click the link",
        "limited time", "buy now", "shop now", "% off", "win a", "enter to win", "sign up now",
        "bitcoin", "crypto", "nft", "investment opportunity", "cheap",
    )
    praise_markers: Keywords = (
        "thank you", "thanks", "thx", "love", "loving", "awesome", "amazing", "great job",
        "well done", "kudos", "shoutout", "shout out", "props", "best", "brilliant",
        "excellent", "fantastic", "impressed", "recommend", "superb", "gracias", "merci",
        "danke", "obrigado", "obrigada", "grazie",
    )
    question_markers: Keywords = (
        "how do i", "how can i", "how to", "how do you", "what is", "what's the", "where is",
        "where can i", "when will", "can i", "can you", "could you", "does anyone",
        "anyone know", "is there a way", "is it possible", "any idea", "any ideas",
        "should i", "do you", "does it", "is there", "help me", "need help", "cómo", "como",
        "dónde", "comment", "où", "wie", "wo", "warum", "come posso",
    )
    complaint_markers: Keywords = (
        # Failures and broken promises: the substance of a complaint, whatever the tone.
        "not working", "stopped working", "doesn't work", "does not work", "won't",
        "stopped", "not heating", "won't heat", "no longer", "rejected", "declined",
        "can't", "cannot", "couldn't", "keeps", "keep getting", "still", "again", "broken",
        "broke", "fails", "failed", "failing", "error", "crash", "crashes", "crashing",
        "bug", "glitch", "outage", "down", "no response", "no reply", "no answer",
        "waiting", "waited", "been waiting", "hours", "days", "weeks", "never arrived",
        "hasn't arrived", "not arrived", "missing", "late", "delayed", "cancelled",
        "refund", "charged", "overcharged", "double charged", "unacceptable", "disappointed",
        "disappointing", "frustrated", "frustrating", "annoyed", "annoying", "terrible",
        "awful", "horrible", "worst", "poor", "rubbish", "useless", "ridiculous", "joke",
        "scam", "rip off", "why is", "why does", "why do", "why can't", "why won't",
        "what happened to", "still no", "nobody", "no one", "fix", "sort it out",
        "not happy", "unhappy", "slow", "lost", "wrong", "damaged", "faulty",
        "unable to", "issue", "issues", "problem", "problems", "not letting me",
        "won't let me", "locked out", "on hold", "ripoff", "scammed", "stinks",
        "not received", "haven't received", "never received", "yet to receive",
        "not heard", "no updates", "complaint", "complain",
        # es / fr / de / pt / it: the same ideas, for the languages the embedded model covers.
        "no funciona", "no enciende", "no anda", "no llega", "no ha llegado", "todavía",
        "sigo esperando", "reembolso", "desde ayer", "roto", "ne marche pas",
        "ne fonctionne pas", "en panne", "toujours pas", "remboursement", "depuis hier",
        "funktioniert nicht", "geht nicht", "immer noch", "kaputt", "erstattung", "seit gestern",
        "não funciona", "não liga", "ainda não", "reembolso", "desde ontem", "non funziona",
        "non si accende", "ancora", "rimborso", "da ieri",
    )
    topic_keywords: dict[str, Keywords] = Field(
        default_factory=lambda: {
            "thermostat": (
                "thermostat", "thermo", "brightwave thermo", "heating", "heat", "boiler",
                "temperature", "schedule", "hvac", "furnace", "radiator", "thermostato",
                "thermostat", "thermostaat", "termostato",
            ),
            "mesh-router": (
                "mesh", "router", "wifi", "wi-fi", "brightwave mesh", "node", "satellite",
                "internet", "connection", "signal", "ethernet", "bandwidth", "routeur",
                "enrutador",
            ),
            "app": (
                "app", "brightwave app", "ios", "android", "update", "notification",
                "notifications", "login", "log in", "crash", "crashes", "widget", "aplicación",
                "appli",
            ),
            "billing": (
                "bill", "billing", "charged", "charge", "invoice", "refund", "payment",
                "subscription", "brightwave plus", "plus", "renewal", "price", "overcharged",
                "cancel", "factura", "facture", "rechnung",
            ),
            "shipping": (
                "shipping", "delivery", "delivered", "shipped", "package", "parcel",
                "tracking", "courier", "arrived", "arrive", "order", "envío", "livraison",
                "lieferung",
            ),
            "account": (
                "account", "password", "reset", "email address", "username", "sign in",
                "two-factor", "2fa", "profile", "cuenta", "compte", "konto",
            ),
            "installation": (
                "install", "installation", "installing", "setup", "set up", "wiring", "wire",
                "c-wire", "mount", "pairing", "pair", "instalación", "installation",
            ),
            "security": (
                "hacked", "hack", "breach", "vulnerability", "exploit", "unauthorized",
                "phishing", "malware", "compromised", "security",
            ),
            "privacy": (
                "privacy", "personal data", "my data", "tracking me", "data sharing",
                "delete my data", "gdpr", "datenschutz", "données personnelles",
            ),
        }
    )

    # --- prioritize --------------------------------------------------------------------
    weights: PriorityWeights = PriorityWeights()
    bands: PriorityBands = PriorityBands()
    influence_min_followers: Annotated[int, Field(ge=0)] = Field(
        default=1_000, description="below this, follower count adds nothing"
    )
    sla_seconds: Annotated[int, Field(ge=60)] = 3_600
    spam_max_score: Score = Field(default=5, description="spam never scores above this")

    # --- route -------------------------------------------------------------------------
    employee_only_topics: Keywords = ("security", "privacy")
    high_influence_followers: Annotated[int, Field(ge=1)] = 100_000
    verified_big_followers: Annotated[int, Field(ge=0)] = Field(
        default=10_000, description="a verified author with this many followers is high-influence"
    )
    employee_priority: Score = Field(default=80, description="at or above: an employee answers")
    no_action_max_priority: Score = Field(
        default=30, description="'other' intent, not negative, below this: no action"
    )
    routing: RoutingWeights = RoutingWeights()

    # --- assignment lifecycle ----------------------------------------------------------
    assignment: AssignmentRules = AssignmentRules()

    # Defaults are validated too, so the built-in keyword lists get the same normalisation as
    # a loaded document (and default() == model_validate_json(default().model_dump_json())).
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    _compiled: CompiledRules | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        # Two documents are equal when their settings are; the compiled cache is not a setting.
        if not isinstance(other, TriageRules):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # holds a dict: unhashable, like the default

    @field_validator(
        "urgency_words", "legal_words", "anger_markers", "spam_markers", "promo_words",
        "profanity", "safety_words", "account_words", "rhetorical_markers",
        "model_languages", "reply_model_languages",
        "praise_markers", "question_markers", "complaint_markers", "employee_only_topics",
    )
    @classmethod
    def _keywords(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return normalise_keywords(value)

    @field_validator("topic_keywords")
    @classmethod
    def _topics(cls, value: dict[str, Keywords]) -> dict[str, Keywords]:
        tags = {}
        for tag, words in value.items():
            clean = tag.strip().lower()
            if not clean:
                raise ValueError("topic tags must not be empty")
            tags[clean] = normalise_keywords(words)
        return tags

    @model_validator(mode="after")
    def _thresholds_consistent(self) -> Self:
        missing = {"offensive", "angry"} - set(self.employee_flags)
        if missing:
            raise ValueError(
                "employee_flags must keep " + " and ".join(sorted(missing))
                + ": a volunteer never receives abuse"
            )
        if self.no_action_max_priority > self.employee_priority:
            raise ValueError("no_action_max_priority must not exceed employee_priority")
        if abs(self.complaint_compound) < self.neutral_band:
            raise ValueError("complaint_compound must lie outside the neutral band")
        return self

    @classmethod
    def default(cls) -> TriageRules:
        """The documented defaults for the Brightwave sample brand."""
        return cls()

    @property
    def compiled(self) -> CompiledRules:
        """The keyword regexes, compiled on first use and kept with this (immutable) document."""
        if self._compiled is None:
            # Deployments re-parse the SSM document every minute or so; the regexes are
            # shared between equal documents instead of being recompiled for each one.
            key = self.model_dump_json()
            compiled = _COMPILED_CACHE.get(key)
            if compiled is None:
                if len(_COMPILED_CACHE) >= _COMPILED_CACHE_SIZE:
                    _COMPILED_CACHE.pop(next(iter(_COMPILED_CACHE)))
                compiled = _COMPILED_CACHE[key] = CompiledRules(self)
            # A private attribute, not a field: allowed on a frozen model and not serialised.
            self._compiled = compiled
        return self._compiled


_COMPILED_CACHE_SIZE = 8
_COMPILED_CACHE: dict[str, CompiledRules] = {}
