#!/usr/bin/python3
"""sharebench_py - the sharebench workload through Python's multiprocessing idioms.

    sharebench_py.py run --spec FILE --input FILE --strategy NAME [--workers N] [--chunk C]
                         [--start fork|spawn|forkserver] [--model objects|lists|numpy]
                         [--limit N] [--output FILE] [--field-limit SIZE]
                         [--scratch-dir DIR] [--gc-collect N] [--json] [--progress-fd FD]
                         [--input-fd FD] [--output-fd FD]
    sharebench_py.py list [--tsv]

`run` prints, as its last line of standard output, the summary line of `sharebench run`
(strategy=py:NAME start= workers= chunk= ... rows= rejected= checksum= seconds= rows_per_s=
... model_mb= model= python=), and reports rejected records on standard error exactly as the C
harness does. Exit status: 0 success, 1 the run failed, 2 bad usage or unusable input, 130 or
143 when interrupted. Runs on Debian's python3 with python3-numpy; nothing else.

`sharebench run --strategy py:NAME` runs this program and measures it (harness/run/
python_run.c): it reads `list --tsv` (one idiom per line: name, kind, start methods, model
representations, C counterpart, why it needs fork, summary; tab-separated) and gives `run`
--progress-fd, on which one byte is written per event: 'u' the workers are up, 'r' a result
came back, 'd' every result is in, or the run failed or was interrupted and the program stops
it (the workers may end from now on); it opens the records file and the results file itself
and gives them as --input-fd and --output-fd: it checks that the input did not change and
commits the results once this program has finished. --gc-collect takes its
default from $SHAREBENCH_PY_GC_COLLECT, which is how a `sharebench run` sets it.
"""
import errno
import os
import resource
import signal
import sys


def interrupted_at_start(signum, frame):
    """SIGINT or SIGTERM before the run has begun (while numpy loads): nothing to undo yet."""
    sys.stderr.write("sharebench run: interrupted by %s\n" % signal.strsignal(signum))
    sys.exit(128 + signum)


STOPPING = {signal.SIGINT, signal.SIGTERM}


def end_with_the_harness():
    """If the process that started this program dies, even by SIGKILL, this program is killed
    too (PR_SET_PDEATHSIG, Linux): a model build must not go on for nobody, holding gigabytes.
    Its forked workers ask the same of it (worker_signals): a Pool worker holds both ends of
    the task pipe, so its parent's death alone would leave it waiting for ever."""
    parent = os.getppid()
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return  # not Linux: nothing to ask
    if os.getppid() != parent:  # it died before the request was made
        os._exit(128 + signal.SIGKILL)


if __name__ == "__main__":  # not in a spawned worker, which imports this file as __mp_main__
    signal.signal(signal.SIGTERM, interrupted_at_start)
    signal.signal(signal.SIGINT, interrupted_at_start)
    end_with_the_harness()

import argparse  # noqa: E402  (after the handlers: an early signal must not print a traceback)

from sbpy import idioms  # noqa: E402
from sbpy.records import FIELD_LIMIT_DEFAULT, InputError  # noqa: E402
from sbpy.pool import GC_COLLECT_VAR, Progress  # noqa: E402
from sbpy.run import Interrupted, Run, UsageError, format_summary  # noqa: E402
from sbpy.spec import SpecError  # noqa: E402

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
WORKERS_MAX, CHUNK_MAX = 1024, 1 << 20
STARTS = ("fork", "spawn", "forkserver")


def fail(message, status):
    sys.stderr.write("sharebench run: %s\n" % message)
    return status


def causes(e):
    """e, then the exceptions being handled when each was raised."""
    while e is not None:
        yield e
        e = e.__context__


def could_not_start(e):
    """A process (fork: EAGAIN) or a thread (threading's RuntimeError) that could not start."""
    if isinstance(e, RuntimeError):
        return "can't start new thread" in str(e)
    return isinstance(e, OSError) and e.errno == errno.EAGAIN and not e.filename


def describe(e):
    """An unexpected failure, in the C harness's words: a process or thread that could not
    be started with the limit that is the usual cause, an OSError as 'FILE: reason' (not
    Python's '[Errno N]'), anything else with its type."""
    if any(map(could_not_start, causes(e))):  # (a ThreadPool that failed so raises another)
        limit = resource.getrlimit(resource.RLIMIT_NPROC)[0]
        return ("cannot start a worker process or thread: %s%s" % (os.strerror(errno.EAGAIN), "" if
                limit == resource.RLIM_INFINITY else " (ulimit -u, the per-user limit on "
                "processes and threads, is %d)" % limit))
    if isinstance(e, OSError) and e.strerror:
        return "%s: %s" % (e.filename, e.strerror) if e.filename else e.strerror
    return "%s: %s" % (type(e).__name__, e)


class Parser(argparse.ArgumentParser):
    """argparse, with the C command line's way of reporting a usage error (exit 2)."""

    def error(self, message):
        sys.stderr.write("sharebench %s: %s\n(see '%s --help')\n" % (self.prog.split()[-1], message, self.prog))
        sys.exit(EXIT_USAGE)


def count(low, high):
    def parse(text):
        if not text.isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError("'%s' is not a whole number in %d .. %d" % (text, low, high))
        return int(text)
    return parse


def size(text):
    """A size: a number, optionally with K, M or G (binary), as the C --field-limit."""
    shift = {"k": 10, "m": 20, "g": 30}.get(text[-1:].lower(), 0)
    digits = text[:-1] if shift else text
    if not digits.isdigit() or not 1 <= int(digits) << shift <= 1 << 30:
        raise argparse.ArgumentTypeError("'%s' is not a size (a number, optionally with K, M or G)" % text)
    return int(digits) << shift


def run_parser():
    p = Parser(prog="sharebench_py.py run", description="Classify a records file with one "
               "Python idiom; the last line of stdout is the run's summary.")
    p.add_argument("--spec", required=True, help="model spec")
    p.add_argument("--input", required=True, help="records file; '-' for standard input")
    p.add_argument("--strategy", required=True, help="idiom name, with or without 'py:' (see 'list')")
    p.add_argument("--workers", type=count(1, WORKERS_MAX), default=os.cpu_count() or 1,
                   help="worker processes or threads (default: online CPUs)")
    p.add_argument("--chunk", type=count(1, CHUNK_MAX), default=256, help="records per task (default 256)")
    p.add_argument("--start", choices=STARTS, default="fork",
                   help="multiprocessing start method (default fork); idioms that need fork refuse the others")
    p.add_argument("--model", choices=("objects", "lists", "numpy"),
                   help="model representation (default: the idiom's own; see 'list')")
    p.add_argument("--limit", type=count(1, 2**64 - 1), default=0, help="process only the first N records")
    p.add_argument("--output", help="also write every result line (id,class,score) to FILE")
    p.add_argument("--input-fd", type=count(0, 1 << 20), metavar="FD",
                   help="read the records from descriptor FD, already open (--input names it)")
    p.add_argument("--output-fd", type=count(0, 1 << 20), metavar="FD",
                   help="write the results to descriptor FD, already open, for the caller to "
                   "commit (--output names it)")
    p.add_argument("--field-limit", type=size, default=FIELD_LIMIT_DEFAULT,
                   help="reject records with a field over SIZE bytes (default 1M)")
    p.add_argument("--scratch-dir", help="where memmap writes its file (default $TMPDIR, else /tmp)")
    p.add_argument("--gc-collect", type=count(0, 1 << 20),
                   default=os.environ.get(GC_COLLECT_VAR) or "0", metavar="N",
                   help="each worker process runs a full gc.collect() after every N-th chunk "
                   "it classifies (default $%s, else 0: never)" % GC_COLLECT_VAR)
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument("--progress-fd", type=count(0, 1 << 20), help="write a byte per event to FD "
                   "(u: workers up, r: a result, d: all results in), for the harness")
    return p


def cmd_list_tsv():
    for idiom in idioms.TABLE:
        print("\t".join((idiom.NAME, idiom.KIND, ",".join(idiom.STARTS), ",".join(idiom.MODELS),
                         idiom.C_COUNTERPART, getattr(idiom, "FORK_ONLY", ""), idiom.SUMMARY)))
    return EXIT_OK


def cmd_list():
    for idiom in idioms.TABLE:
        starts = "/".join(idiom.STARTS) or ("thread" if idiom.KIND == "threads" else "none")
        print("py:%-18s %s [start: %s; model: %s; C: %s]" % (
            idiom.NAME, idiom.SUMMARY, starts, "/".join(idiom.MODELS), idiom.C_COUNTERPART))
    return EXIT_OK


def raise_interrupted(signum, frame):
    raise Interrupted(signum)


def cmd_run(argv):
    a = run_parser().parse_args(argv)
    idiom = idioms.find(a.strategy)
    if idiom is None:
        Parser(prog="sharebench_py.py run").error(
            "no strategy '%s' ('sharebench_py.py list' names them)" % a.strategy)
    os.environ[GC_COLLECT_VAR] = str(a.gc_collect)  # how the workers learn it (sbpy/pool.py)
    run = Run(idiom, a.spec, a.input, a.workers, a.chunk, a.start, a.model, a.limit, a.output,
              a.field_limit, a.scratch_dir, Progress(a.progress_fd), a.input_fd, a.output_fd)
    signal.signal(signal.SIGTERM, raise_interrupted)
    signal.signal(signal.SIGINT, raise_interrupted)
    # A forked worker must not inherit these: one killed by Pool.terminate() before its
    # initializer runs (sbpy/pool.py resets them there) would raise where it stands, perhaps
    # holding a lock the parent waits for, and never end. They are blocked across the fork,
    # so that one sent between the fork and the reset waits for the reset (and kills).
    os.register_at_fork(before=lambda: signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING),
                        after_in_parent=lambda: signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING),
                        after_in_child=worker_signals)
    try:
        try:
            items = run.execute(idioms.TABLE)
        finally:  # one answer: the first failure or signal, never one raised while reporting it
            ignore_signals()
    except (UsageError, SpecError, InputError) as e:
        end(fail(e, EXIT_USAGE))
    except Interrupted as e:
        end(fail(e, 128 + e.signum))
    except Exception as e:
        end(fail(describe(e), EXIT_FAILED))
    print(format_summary(items, a.json), flush=True)
    return EXIT_OK


def end(status):
    """Exit now, said why: a run that failed or was interrupted has released what it made
    (its teardown ran); what is left of a Pool that failed half-way (workers, its threads)
    could make a normal exit wait for ever, and its workers die with this process."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def worker_signals():
    """A worker process ignores SIGINT (the parent decides how a run ends), dies at once of
    SIGTERM (how Pool.terminate() stops it) and dies with its parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING)
    end_with_the_harness()


def ignore_signals():
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


def main(argv):
    if len(argv) >= 1 and argv[0] == "run":
        return cmd_run(argv[1:])
    if len(argv) == 1 and argv[0] == "list":
        return cmd_list()
    if argv == ["list", "--tsv"]:
        return cmd_list_tsv()
    if len(argv) >= 1 and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return EXIT_OK
    sys.stderr.write("usage: sharebench_py.py run|list ... (see --help)\n")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
