"""Where replications run: in this process, in local worker processes, or on a Dask cluster, behind one interface.

An executor takes a function and a list of tasks and yields `(index, result)` pairs as the tasks finish, in any
order. Callers put results back in task order themselves, which is why the numbers never depend on the executor or
on the number of jobs: each task carries its own seed, and nothing is shared between tasks.

- `local` (default): a pool of worker processes on this machine (`jobs=1` runs in this process, no pool).
- `dask`: a `dask.distributed` cluster, either an existing scheduler (`scheduler="tcp://HOST:PORT"`; its workers must
  have this package installed) or, without an address, a local cluster on the loopback interface.

A local pool can be given `prepare`, a picklable callable that loads what every task will need (the compiled
engine's code: about a second per process). With fork it runs once in this process before the workers are forked,
so they start with it loaded and share its memory; with the other start methods each worker runs it as it starts.

Only a bounded window of tasks is submitted at a time, so a long sweep neither floods the workers' queues nor holds
every result in memory, and Ctrl-C has little to cancel. On Ctrl-C (or any error) pending work is cancelled, the
workers are stopped and the exception is re-raised after nothing more has been yielded.
"""
from __future__ import annotations

import concurrent.futures as cf
import itertools
import logging
import multiprocessing
import os
import signal
import threading
import uuid
from contextlib import contextmanager, nullcontext
from typing import Any, Callable, Iterable, Iterator

EXECUTORS = ("local", "dask")
WINDOW_PER_WORKER = 2  # tasks queued per worker: enough to keep each busy while results travel back
DASK_CONNECT_TIMEOUT = "10s"  # how long to keep trying an unreachable scheduler before giving up


def default_jobs() -> int:
    """Cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class Executor:
    """Runs `fn(task)` for many tasks; use as a context manager so workers are always stopped."""

    name = "abstract"

    def __init__(self, jobs: int):
        self.jobs = jobs

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable) -> Iterator[tuple[int, Any]]:
        raise NotImplementedError

    def close(self) -> None:
        """Stops the workers after their current work (nothing is pending once map_unordered is exhausted)."""

    def abort(self) -> None:
        """Stops the workers now, dropping whatever they were doing."""
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()
        return False


class InProcessExecutor(Executor):
    """Runs tasks one after another in this process: no start-up cost, the easiest to debug."""

    name = "inprocess"

    def __init__(self):
        super().__init__(jobs=1)

    def map_unordered(self, fn, tasks):
        for index, task in enumerate(tasks):
            yield index, fn(task)


def _ignore_sigint() -> None:
    # Ctrl-C reaches every process of the terminal's group; only the parent handles it, by stopping the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_worker(prepare: Callable[[], None]) -> None:
    _ignore_sigint()
    try:
        prepare()
    except Exception:  # only a head start: the first task meets the same error and reports it with its own type
        pass


@contextmanager
def _sigint_ignored():
    """Ignores Ctrl-C while child processes are started, so they ignore it too (Python keeps an inherited SIG_IGN)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _process_context():
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        # Forking a single-threaded parent is safe and starts workers in milliseconds, with everything imported.
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        # With threads about (a Dask client, a progress bar), fork could copy a held lock; fork instead from a
        # clean server, which preloads the engine so each worker starts without re-importing numpy and SimPy.
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.world.engine"])
        return ctx
    return multiprocessing.get_context("spawn")


class LocalProcessExecutor(Executor):
    """A pool of `jobs` worker processes on this machine."""

    name = "local"

    def __init__(self, jobs: int, prepare: Callable[[], None] | None = None):
        if jobs < 2:
            raise ValueError(f"a process pool needs jobs >= 2 (jobs=1 runs in process), got {jobs}")
        super().__init__(jobs)
        self.prepare = prepare
        self._pool: cf.ProcessPoolExecutor | None = None
        self._workers_started = False

    def _ensure_pool(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            context = _process_context()
            initializer, initargs = _ignore_sigint, ()
            if self.prepare is not None:
                if context.get_start_method() == "fork":
                    self.prepare()  # once, here: the forked workers inherit it
                    context = _process_context()  # unless it left a thread running: then fork is no longer safe
                if context.get_start_method() != "fork":
                    initializer, initargs = _start_worker, (self.prepare,)
            self._pool = cf.ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=context, initializer=initializer, initargs=initargs
            )
            self._workers_started = False
        return self._pool

    def map_unordered(self, fn, tasks):
        pool = self._ensure_pool()
        fresh, self._workers_started = not self._workers_started, True
        todo = enumerate(tasks)
        pending: dict[cf.Future, int] = {}

        def top_up():
            for index, task in itertools.islice(todo, max(0, self.jobs * WINDOW_PER_WORKER - len(pending))):
                pending[pool.submit(fn, task)] = index

        try:
            with _sigint_ignored() if fresh else nullcontext():  # the first submissions start the workers
                top_up()
            while pending:
                done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for future in sorted(done, key=pending.get):
                    index = pending.pop(future)
                    yield index, future.result()
                top_up()
        finally:
            for future in pending:
                future.cancel()

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def abort(self):
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():  # a worker that did not stop on SIGTERM (e.g. still starting under load)
                process.kill()
                process.join(timeout=5)


class DaskExecutor(Executor):
    """Tasks on a Dask distributed cluster: the given scheduler, or a local cluster on 127.0.0.1."""

    name = "dask"

    def __init__(self, jobs: int | None = None, scheduler: str | None = None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dask is an optional dependency
            raise RuntimeError("the dask executor needs dask[distributed]: pip install 'inmail-sim[dask]'") from exc
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                raise ConnectionError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
            jobs = max(1, sum(self._client.nthreads().values()))
        else:
            jobs = jobs or default_jobs()
            with _sigint_ignored():  # the cluster's processes inherit it: Ctrl-C is the parent's to handle
                self._cluster = LocalCluster(
                    n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                    dashboard_address=None, silence_logs=logging.ERROR,
                )
            self._client = Client(self._cluster)
        super().__init__(jobs)

    def map_unordered(self, fn, tasks):
        from dask.distributed import as_completed

        run_id = uuid.uuid4().hex
        todo = enumerate(tasks)
        live: dict[str, tuple[int, Any]] = {}  # key -> (index, future)
        finished = as_completed()

        def top_up():
            for index, task in itertools.islice(todo, max(0, self.jobs * WINDOW_PER_WORKER - len(live))):
                future = self._client.submit(fn, task, key=f"inmail-{run_id}-{index}", pure=False)
                live[future.key] = (index, future)
                finished.add(future)

        try:
            top_up()
            for future in finished:
                index, _ = live.pop(future.key)
                result = future.result()
                future.release()
                top_up()
                yield index, result
        finally:
            if live:
                self._client.cancel([future for _, future in live.values()])
            finished.clear()

    def close(self):
        client, self._client = getattr(self, "_client", None), None
        if client is not None:
            client.close()
        cluster, self._cluster = self._cluster, None
        if cluster is not None:
            cluster.close()

    abort = close


def get_executor(name: str = "local", jobs: int | None = None, scheduler: str | None = None,
                 prepare: Callable[[], None] | None = None) -> Executor:
    """The executor called `name` ("local" or "dask") with `jobs` workers (default: the cores of this machine);
    `prepare` is for a local pool (see the module's docstring); elsewhere tasks load what they need themselves."""
    if name not in EXECUTORS:
        raise ValueError(f"unknown executor {name!r}; expected one of {', '.join(EXECUTORS)}")
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    if scheduler and name != "dask":
        raise ValueError("a scheduler address only makes sense with the dask executor")
    if name == "dask":
        return DaskExecutor(jobs=jobs, scheduler=scheduler)
    jobs = jobs or default_jobs()
    return InProcessExecutor() if jobs == 1 else LocalProcessExecutor(jobs, prepare)


@contextmanager
def using(executor: str | Executor = "local", jobs: int | None = None, scheduler: str | None = None,
          most_tasks: int | None = None, prepare: Callable[[], None] | None = None):
    """An executor for the duration of a `with` block: the one given, or a new one by name that is closed at the end,
    or stopped at once on an error or Ctrl-C. `most_tasks` caps the local pool (no more workers than tasks);
    `prepare` is passed to a new local pool (an executor given ready-made was prepared, or not, by its maker)."""
    if isinstance(executor, Executor):
        yield executor
        return
    if executor == "local" and most_tasks is not None:
        jobs = max(1, min(jobs or default_jobs(), most_tasks))
    runner = get_executor(executor, jobs=jobs, scheduler=scheduler, prepare=prepare)
    try:
        yield runner
    except BaseException:
        runner.abort()
        raise
    runner.close()
