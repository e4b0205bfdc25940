"""In-memory fakes of the ports (`crowdcare.ports`), public so tests and tools share one set.

Each fake keeps its state in plain dicts and lists a test can read back; none does I/O.
"""
