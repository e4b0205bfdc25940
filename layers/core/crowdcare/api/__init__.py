"""The dashboard API's routes: Chalice blueprints by audience.

functions/api/app.py is the one entry point: it builds the dependencies once per cold start
and registers `page` (the page and its assets), `self_service` (every signed-in responder),
`approvals` (employees) and `admin` (admins). The blueprints live in the core library because
the function's folder is not an importable package in every runtime (Lambda, the local run,
the tests); each receives an `ApiContext` instead of importing the app.
"""
