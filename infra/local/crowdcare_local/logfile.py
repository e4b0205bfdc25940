"""One log file for everything that is not the command's own output.

A local run prints progress and a summary. Everything else (the functions' logs and metric
dumps, urllib3's "connection pool is full", powertools' warnings, Python warnings, moto) is
for someone debugging, so it goes to one file, and the command says where in one line.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from crowdcare_local.runtime import FunctionLog

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@contextlib.contextmanager
def logs_to_file(path: Path) -> Iterator[Path]:
    """Send logging, warnings and the functions' output to `path` (overwritten) for the
    duration of the block; everything is put back afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    saved_handlers = root.handlers[:]
    with path.open("w", encoding="utf-8") as log:
        handler = logging.StreamHandler(log)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.handlers = [handler]
        logging.captureWarnings(True)
        FunctionLog.redirect(log)
        try:
            yield path
        finally:
            FunctionLog.redirect(None)
            logging.captureWarnings(False)
            root.handlers = saved_handlers
            handler.close()
