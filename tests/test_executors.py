"""Execution backends behind one interface (sim/experiments/executors.py).

Tasks are standard-library functions so every backend's workers can import them.
"""
import math
import multiprocessing
import os
import threading
import time

import pytest

from sim.experiments import executors
from sim.experiments.executors import (
    DaskExecutor, InProcessExecutor, LocalProcessExecutor, get_executor, using,
)


def test_one_job_runs_in_this_process_in_order():
    with get_executor("local", jobs=1) as ex:
        assert isinstance(ex, InProcessExecutor)
        assert list(ex.map_unordered(math.factorial, [3, 4, 5])) == [(0, 6), (1, 24), (2, 120)]


def test_process_pool_returns_every_result_with_its_index():
    tasks = list(range(25))
    with get_executor("local", jobs=2) as ex:
        assert isinstance(ex, LocalProcessExecutor)
        results = dict(ex.map_unordered(math.factorial, tasks))
        again = dict(ex.map_unordered(math.factorial, tasks[:3]))  # the pool is reused
    assert results == {i: math.factorial(t) for i, t in enumerate(tasks)}
    assert again == {0: 1, 1: 1, 2: 2}


def test_a_worker_error_reaches_the_caller():
    with pytest.raises(ValueError, match="math domain error"):
        with get_executor("local", jobs=2) as ex:
            list(ex.map_unordered(math.sqrt, [4.0, -1.0, 9.0]))


def _pid_running(pid: int, wait: float = 5.0) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        try:  # a zombie child of ours still answers kill(0): reap it if it is one
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                return False
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return True


def test_ctrl_c_stops_the_workers_at_once():
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with get_executor("local", jobs=2) as ex:
            yielded = []
            for item in ex.map_unordered(time.sleep, [0.0, 30, 30, 30, 30]):
                yielded.append(item)
                workers = list(ex._pool._processes.values())
                raise KeyboardInterrupt
    assert yielded == [(0, None)]
    assert len(workers) == 2
    assert time.monotonic() - started < 15  # the 30 s sleeps were not waited for
    for worker in workers:
        worker.join(timeout=5)
        # ask the OS, not is_alive(): the pool's own thread may have reaped the child first, and then is_alive()
        # can no longer tell (waitpid fails and it reports "running")
        assert not _pid_running(worker.pid)


def test_bad_choices_are_refused():
    with pytest.raises(ValueError, match="unknown executor"):
        get_executor("threads")
    with pytest.raises(ValueError, match="jobs must be >= 1"):
        get_executor("local", jobs=0)
    with pytest.raises(ValueError, match="dask executor"):
        get_executor("local", scheduler="tcp://127.0.0.1:8786")


def test_using_caps_the_pool_at_the_number_of_tasks():
    with using("local", jobs=8, most_tasks=1) as ex:
        assert isinstance(ex, InProcessExecutor)
    given = InProcessExecutor()
    with using(given) as ex:
        assert ex is given


def test_dask_local_cluster_on_loopback():
    with get_executor("dask", jobs=1) as ex:  # one worker starts fastest; test_reproducibility runs two
        assert isinstance(ex, DaskExecutor)
        assert ex._cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        results = dict(ex.map_unordered(math.factorial, list(range(12))))
    assert results == {i: math.factorial(i) for i in range(12)}


def test_unreachable_dask_scheduler_is_a_connection_error(monkeypatch):
    monkeypatch.setattr(executors, "DASK_CONNECT_TIMEOUT", "1s")
    with pytest.raises(ConnectionError, match="cannot reach the Dask scheduler"):
        get_executor("dask", scheduler="tcp://127.0.0.1:1")


def test_pool_forks_from_a_clean_server_when_threads_are_running():
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait, daemon=True)  # a Dask client or a progress bar, say
    helper.start()
    try:
        with get_executor("local", jobs=2) as ex:
            results = dict(ex.map_unordered(math.factorial, range(6)))
            assert ex._pool._mp_context.get_start_method() in ("forkserver", "spawn")
    finally:
        stop.set()
        helper.join()
    assert results == {i: math.factorial(i) for i in range(6)}


def _mark_prepared():
    os.environ["INMAIL_TEST_PREPARED"] = str(os.getpid())


def _prepared_by(_task):
    return os.environ.get("INMAIL_TEST_PREPARED"), os.getpid()


def _failing_prepare():
    raise MemoryError("prepare failed")


def _no_env_var(monkeypatch):
    monkeypatch.setenv("INMAIL_TEST_PREPARED", "")  # recorded, so that the test leaves the environment as it was
    monkeypatch.delenv("INMAIL_TEST_PREPARED")


FORKED_POOL = """
import json, os
from sim.experiments.executors import get_executor

calls = []

def prepare():
    calls.append(os.getpid())
    os.environ["PREPARED_BY"] = str(os.getpid())

def prepared_by(_task):
    return os.environ.get("PREPARED_BY"), os.getpid()

with get_executor("local", jobs=2, prepare=prepare) as ex:
    before = list(calls)
    first = dict(ex.map_unordered(prepared_by, range(6)))
    second = dict(ex.map_unordered(prepared_by, range(3)))  # the pool is reused (as --until-ci does)
    method = ex._pool._mp_context.get_start_method()
print(json.dumps({"parent": os.getpid(), "before": before, "calls": calls, "method": method,
                  "results": list(first.values()) + list(second.values())}))
"""


def test_a_forked_pool_is_prepared_once_in_the_parent():
    import json
    import subprocess
    import sys

    # a fresh interpreter: no thread left by other tests, so the pool forks from it as the command line's does
    done = subprocess.run([sys.executable, "-c", FORKED_POOL], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["method"] == "fork"
    assert got["before"] == [] and got["calls"] == [got["parent"]]  # at the first task, once, here
    assert len(got["results"]) == 9
    assert all(by == str(got["parent"]) and worker != got["parent"] for by, worker in got["results"])


def test_workers_started_from_a_server_prepare_themselves(monkeypatch):
    _no_env_var(monkeypatch)
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait, daemon=True)  # threads about: no fork from this process
    helper.start()
    try:
        with get_executor("local", jobs=2, prepare=_mark_prepared) as ex:
            results = dict(ex.map_unordered(_prepared_by, range(6)))
            assert ex._pool._mp_context.get_start_method() in ("forkserver", "spawn")
    finally:
        stop.set()
        helper.join()
    assert "INMAIL_TEST_PREPARED" not in os.environ
    assert all(by == str(worker) for by, worker in results.values())


def test_a_worker_whose_preparation_fails_still_runs_its_tasks():
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait, daemon=True)
    helper.start()
    try:  # preparing is only a head start: a task that needs it meets the error itself, with its own type
        with get_executor("local", jobs=2, prepare=_failing_prepare) as ex:
            assert dict(ex.map_unordered(math.factorial, range(4))) == {i: math.factorial(i) for i in range(4)}
    finally:
        stop.set()
        helper.join()


def test_a_failing_preparation_in_the_parent_reaches_the_caller(monkeypatch):
    monkeypatch.setattr(executors, "_process_context", lambda: multiprocessing.get_context("fork"))
    with pytest.raises(MemoryError, match="prepare failed"):
        with get_executor("local", jobs=2, prepare=_failing_prepare) as ex:
            list(ex.map_unordered(math.factorial, range(4)))
