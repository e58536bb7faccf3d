"""Using the second core: a forked child does one job while this process goes on."""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable

__all__ = ["can_fork", "forked"]


def can_fork() -> bool:
    """Whether a job may run in a forked child: a spare core, and a fork that is safe
    (Linux, and no other thread running in this process, as in ``relnotes scan``;
    the daemon's watcher threads rule it out)."""
    return (os.cpu_count() or 1) > 1 and sys.platform == "linux" and threading.active_count() == 1


def forked(job: Callable[[], object]) -> Callable[[], object]:
    """Run ``job`` in a forked child; the returned function waits for its (pickled) result.
    If the child fails, the result is computed here instead."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without running any exit handler
        status = 0
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(job(), pipe, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)

    def result() -> object:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        return pickle.loads(data) if status == 0 and data else job()

    return result
