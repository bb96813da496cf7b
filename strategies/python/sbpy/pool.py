"""The machinery every idiom shares: build and measure, chunk the records, run the chunks
through a Pool (or in-process, or a ThreadPool), and add up what comes back.

An idiom (sbpy/idioms/) decides only how a worker reaches the model. It returns a Plan: the
function each chunk is given to, and optionally a Pool initializer with its arguments, an
object every task carries (to count bytes shipped) and a teardown. Everything else is here,
the same for all idioms, so comparing two idioms compares how they share, not how they read
or send records (as harness/pool/pool.c does for the C strategies).
"""
import functools
import gc
import multiprocessing
import multiprocessing.pool
import os
import pickle
import signal
import threading
import time
import ctypes
from typing import Any, Callable, NamedTuple

from .models import build_model

_libc = ctypes.CDLL(None)  # for malloc_trim


class Plan(NamedTuple):
    work: Callable  # chunk -> (results, checksum, lines or None); picklable for a process pool
    initializer: Callable = None  # run once in each worker before its first task
    initargs: tuple = ()
    payload: Any = None  # what every task carries besides its records (its pickled size counts)
    teardown: Callable = None  # run in the parent when the run ends, whatever happened


def resident_bytes():
    """This process's resident memory (VmRSS: anonymous, file and shared pages), after
    giving back to the system what the allocator holds free (temporaries of a build)."""
    _libc.malloc_trim(0)
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class ModelSource:
    """What an idiom's prepare() gets: the spec, the representation asked for, and build(),
    which builds a model in this process while timing it and measuring its memory."""

    def __init__(self, spec, kind, scratch_dir):
        self.spec, self.kind, self.scratch_dir = spec, kind, scratch_dir
        self.build_seconds = 0.0
        self.model_bytes = 0

    def build(self, make=None, nbytes=None):
        """Run make() (default: build the model of the asked representation), timed. The
        model's size is nbytes when it is a block of known size (a flat model; a function
        of what make() returned when the size is known only then); otherwise the growth of
        resident memory meanwhile: what the model costs in this Python."""
        before, t0 = resident_bytes(), time.monotonic()
        model = make() if make else build_model(self.spec, self.kind)
        self.build_seconds += time.monotonic() - t0
        if callable(nbytes):
            nbytes = nbytes(model)
        grown = resident_bytes() - before if nbytes is None else nbytes
        self.model_bytes = max(self.model_bytes, grown)
        return model


class Progress:
    """Events for whoever watches the run (the C harness's timeout): one byte each on a
    descriptor, or nothing without one. 'u' workers up, 'r' a result, 'd' all results in or
    the run stopped by this program (the workers may end from now on)."""

    def __init__(self, fd=None):
        self.fd = fd

    def __call__(self, event):
        if self.fd is not None:
            os.write(self.fd, event)


# ---- in a worker ------------------------------------------------------------------------------


_setup_error = None  # why this worker's initializer failed, if it did
GC_COLLECT_VAR = "SHAREBENCH_PY_GC_COLLECT"  # sharebench_py.py run --gc-collect N, for workers
_collect_every = 0  # this worker runs gc.collect() after every N-th chunk (0: never)
_chunks_done = 0


def _worker_start(ready, initializer, initargs):
    """Pool initializer wrapper: the idiom's own initializer, then a ready stamp (pid, time on
    the system-wide monotonic clock, memory the initializer added) for the parent.

    An initializer that raises would make Pool start a new worker, which raises again, for
    ever; so its error is kept instead, and every task this worker takes reports it."""
    global _setup_error, _collect_every
    # The parent alone decides how a run ends (as in the C pool): a worker process ignores
    # SIGINT (a terminal sends it to the whole process group) and dies at once of SIGTERM,
    # which is how Pool.terminate() stops it. A forked worker would otherwise inherit the
    # parent's handlers and raise where it stands, perhaps holding a queue's lock that the
    # parent then waits for. (A ThreadPool's workers are threads: signals are not theirs.)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # The environment reaches a worker under every start method (spawn, the forkserver).
    _collect_every = int(os.environ.get(GC_COLLECT_VAR) or 0)
    before, found = resident_bytes(), None
    try:
        if initializer:
            found = initializer(*initargs)
    except Exception as e:
        _setup_error = "worker setup failed: %s: %s" % (type(e).__name__, e)
    # What the setup added to this worker, or the size of the model it found built by
    # another process, which an initializer that checks it returns (forkserver_preload).
    grown = resident_bytes() - before
    ready.put((os.getpid(), time.monotonic(), max(grown, found) if found else grown))


def require_inherited(model, where):
    """A worker's check that the model global the parent set before the pool is here. A
    worker forked from the forkserver has the global as its module defines it, None: the
    server is a process started clean, which imports only the modules multiprocessing's
    set_forkserver_preload names and never ran the parent's code that built the model."""
    if model is None:
        raise RuntimeError(
            "the model global %s is None in this worker (pid %d): it was forked from the "
            "forkserver, a process started clean that never ran the parent's code that built "
            "the model; build it at import of a module preloaded into the server "
            "(py:forkserver_preload) or put it in shared memory (py:shared_memory)"
            % (where, os.getpid()))


def guarded(work, chunk):
    """work(chunk), unless this worker could not set up: then the reason, as an error. With
    --gc-collect N, a full collection after every N-th chunk: what the collector does on its
    own in a long-running worker that allocates, at a moment the run chooses, so that its
    writes into the model's objects show in the memory it measures."""
    global _chunks_done
    if _setup_error:
        raise RuntimeError(_setup_error)
    result = work(chunk)
    _chunks_done += 1
    if _collect_every and _chunks_done % _collect_every == 0:
        gc.collect()
    return result


# ---- in the parent ----------------------------------------------------------------------------


def chunks_of(reader, size, limit, rejections, want_lines):
    """Chunks of up to size valid records, (want_lines, [(id, user, text), ...]), read as the
    pool asks for them. Rejected records are reported as they are met; limit (0: none) counts
    every record read, valid or not, as the C harness does."""
    chunk = []
    for taken, (line, record_id, fields) in enumerate(reader, 1):
        if record_id is None:
            rejections.add(line, fields)  # fields holds the reason
        else:
            chunk.append((record_id, fields[1], fields[4]))
            if len(chunk) == size:
                yield want_lines, chunk
                chunk = []
        if taken == limit:
            break
    if chunk:
        yield want_lines, chunk


class Totals:
    """Results as they come back, in any order: the checksum is a sum, so order does not
    matter."""

    def __init__(self, output):
        self.rows = self.checksum = self.chunks = 0
        self.first_result = None
        self.output = output  # an open file for result lines (its .label names it), or None

    def add(self, result):
        count, checksum, lines = result
        if self.first_result is None:
            self.first_result = time.monotonic()
        self.rows += count
        self.checksum = (self.checksum + checksum) % 2**64
        self.chunks += 1
        if self.output and lines:
            try:
                self.output.write(lines)
            except OSError as e:  # a full disk, a file-size limit: say which file
                raise OSError(e.errno, "%s: write failed: %s"
                              % (self.output.label, os.strerror(e.errno))) from None


IN_FLIGHT_PER_WORKER = 4  # chunks read ahead per worker, as in the C pool


class InFlight:
    """Bounds the chunks read but not yet classified. Pool reads its task iterable as fast as
    it can (a ThreadPool into an unbounded queue: the whole input would sit in memory), so
    the chunks are let in only as results come back."""

    def __init__(self, limit):
        self._slots = threading.Semaphore(limit)
        self._stopped = threading.Event()

    def admit(self, chunks):
        for chunk in chunks:
            while not self._slots.acquire(timeout=0.1):
                if self._stopped.is_set():  # the run is being torn down: read no further
                    return
            yield chunk

    def done(self):
        self._slots.release()

    def stop(self):
        self._stopped.set()


def open_pool(kind, start, workers, plan):
    """A pool of workers, each running the plan's initializer first, and the queue on which
    they report ready. kind is "threads" or "processes"; start is the multiprocessing start
    method for processes. The queue comes from the same context as the pool: a lock made for
    fork cannot be reopened in a spawned process."""
    if kind == "threads":
        ready = multiprocessing.SimpleQueue()
        return multiprocessing.pool.ThreadPool(workers, _worker_start, (ready, plan.initializer, plan.initargs)), ready
    context = multiprocessing.get_context(start)
    ready = context.SimpleQueue()
    return context.Pool(workers, _worker_start, (ready, plan.initializer, plan.initargs)), ready


def stream(kind, start, workers, plan, chunks, totals, stats, progress=Progress()):
    """Run every chunk through plan.work and add the results to totals; fill stats with the
    start and ready times (seconds after the pool was asked for) and per-worker setup memory.
    progress hears of each step (Progress)."""
    if kind == "serial":
        progress(b"u")
        for chunk in chunks:
            totals.add(plan.work(chunk))
            progress(b"r")
        progress(b"d")
        return
    gate = InFlight(IN_FLIGHT_PER_WORKER * workers)
    t0 = time.monotonic()
    pool, ready = open_pool(kind, start, workers, plan)
    stats["start_s"] = time.monotonic() - t0
    stats["stream_started"] = time.monotonic()
    progress(b"u")
    try:
        # Each task is one chunk already (--chunk records, like the C pool's tasks), so
        # chunksize=1: Pool's own chunksize would batch the same way, but a worker would then
        # see one record per call and could not score a chunk at once.
        work = functools.partial(guarded, plan.work)
        for result in pool.imap_unordered(work, gate.admit(chunks), chunksize=1):
            gate.done()
            totals.add(result)
            progress(b"r")
        progress(b"d")
        pool.close()
    except BaseException:
        # The run is over, failed or interrupted: its workers may end now, and whoever
        # watches must not take their ending for a worker lost (it would stop the program
        # before it says why).
        progress(b"d")
        gate.stop()
        pool.terminate()
        raise
    finally:
        pool.join()
    stamps = [ready.get() for _ in range(workers) if not ready.empty()]
    if stamps:
        stats["ready_s"] = max(stamp for _, stamp, _ in stamps) - t0
        stats["worker_setup_bytes"] = max(grown for _, _, grown in stamps)


def payload_bytes(plan):
    """Bytes every task carries besides its records: the pickled payload, if any."""
    return len(pickle.dumps(plan.payload)) if plan.payload is not None else 0
