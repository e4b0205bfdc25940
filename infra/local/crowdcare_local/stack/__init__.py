"""The local stack: moto provisioned from template.yaml, with the project's functions in-process.

* `local_stack`  `LocalStack`: boot, lookups, scheduled runs, waiting for work to settle
* `provision`    template → moto resources, functions and their event sources
* `pump`         stream and queue records delivered like Lambda's event source mappings
* `moto_patches` the fixes moto needs to behave like AWS (atomic DynamoDB writes, ...)
* `outbox`       emails and SMS the emulator accepted, read back and written as files
"""

from crowdcare_local.stack.local_stack import LocalStack
from crowdcare_local.stack.outbox import SentEmail, SentSms, sent_emails, sent_sms, write_outbox
from crowdcare_local.stack.provision import create_table, create_template_table
from crowdcare_local.stack.pump import EventSource

__all__ = [
    "EventSource",
    "LocalStack",
    "SentEmail",
    "SentSms",
    "create_table",
    "create_template_table",
    "sent_emails",
    "sent_sms",
    "write_outbox",
]
