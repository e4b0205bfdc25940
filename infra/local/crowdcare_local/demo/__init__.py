"""`crowdcare demo`: the bundled sample replayed through the real webhooks, end to end.

Deliveries are signed exactly as the platforms sign them (or deliberately broken, as the sample
says), sent over HTTP to the local API server, and the summary is read back from the emulator:
what the webhooks answered, what triage concluded, who was assigned, what was emailed and texted.

Every platform takes part, through a fake platform server on 127.0.0.1 that the stack's
platform base URLs point at: signed Meta deliveries (Facebook Page feed, Instagram comments,
one broken entry that is parked), one run of the scheduled poller over seeded Reddit, Mastodon,
Bluesky and X search feeds, and the responders' replies posted back through the real reply
pipeline (ReplyService, ReplyQueue, ReplyPosterFunction, the platform adapters), with one
platform answering 503 (retried) and one reply refused with 500 until it is parked.

* `run`              the command: boot, replay, wait, summarise, serve
* `samples`          the bundled samples (`crowdcare_local/samples/`) read into Delivery/Responder
* `platform_samples` the seeded fake feeds and the signed Meta deliveries
* `scenario`         the demo's SLAs of seconds, who answers, which platform misbehaves
* `replay`           the sample rebased to now, signed and posted to the webhooks
* `arrivals`         how each stored mention arrived (generic, X, Meta webhooks, poller)
* `responders`       the responders who reply through the reply pipeline; the reach tracker
* `summary`          everything read back into one JSON-ready dict
* `render`           that dict as a person reads it
"""

from crowdcare_local.demo.replay import Replayer
from crowdcare_local.demo.run import run_demo
from crowdcare_local.demo.samples import Delivery, load_deliveries, load_responders

__all__ = ["Delivery", "Replayer", "load_deliveries", "load_responders", "run_demo"]
