"""Logging set-up shared by the workflow scripts and the CLI."""

from __future__ import annotations

import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path


def configure_logging(level: int = logging.INFO) -> None:
    """Log records with a timestamp to stderr (progress output on long steps)."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )


@contextmanager
def redirect_output_to_log(log_path: str | os.PathLike | None):
    """Send stdout and stderr, including C-level writes (TensorFlow, htslib), to `log_path`.

    `sys.stderr = open(log)` misses messages written straight to file descriptors 1 and 2,
    so the descriptors themselves are duplicated onto the log file.
    """
    if log_path is None:
        configure_logging()
        yield
        return
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log_path, "a", buffering=1) as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        old_streams = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = log
        configure_logging()
        try:
            yield
        except BaseException:
            logging.getLogger("xpressoflow").exception("step failed")
            raise
        finally:
            sys.stdout, sys.stderr = old_streams
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
