"""One run: check the options, load the spec, let the idiom prepare, stream the records, and
describe the run in the summary line `sharebench run` prints (same keys, same order, same
number format), so the C harness can read a Python run as it reads its own.
"""
import os
import platform
import resource
import signal
import stat
import time

from .pool import ModelSource, Progress, Totals, chunks_of, payload_bytes, stream
from .records import FIELD_LIMIT_DEFAULT, InputError, RecordReader, RejectionReport
from .spec import SpecError, load_spec

SERIAL_CHUNK = 256  # serial classifies in chunks too (no one else sees them)

NO_INHERITANCE = {
    "spawn": "a spawned worker is a fresh interpreter that inherits nothing but what is "
             "pickled to it at start",
    "forkserver": "a forkserver worker is forked from a server process started clean, before "
                  "the model existed, and inherits nothing of the parent's memory",
}


class UsageError(Exception):
    """The run is refused before anything is built: exit status 2."""


class Interrupted(Exception):
    """SIGINT or SIGTERM: the run stops, what it holds is released; exit 128 + signal."""

    def __init__(self, signum):
        super().__init__("interrupted by %s" % signal.strsignal(signum))
        self.signum = signum


def refusal(idiom, start, model, table):
    """Why idiom cannot run with this start method or model representation, or None."""
    if idiom.KIND == "processes" and start not in idiom.STARTS + getattr(idiom, "SHOWN_FAILING", ()):
        if not hasattr(idiom, "FORK_ONLY"):  # the idiom needs another start method: it says why
            return "py:%s cannot work with --start %s: %s" % (idiom.NAME, start, idiom.START_ONLY)
        able = ", ".join(i.NAME for i in table if start in i.STARTS)
        return ("py:%s cannot work with --start %s: %s, in the parent's memory, which only fork "
                "copies into a worker; %s, so it would find no model. Idioms that work with "
                "--start %s: %s (threads and serial start no processes)"
                % (idiom.NAME, start, idiom.FORK_ONLY, NO_INHERITANCE[start], start, able))
    if model not in idiom.MODELS:
        return ("py:%s cannot use --model %s: %s (use --model %s)"
                % (idiom.NAME, model, idiom.FLAT_ONLY, idiom.MODELS[0]))
    return None


def start_name(idiom, start):
    return {"serial": "none", "threads": "thread"}.get(idiom.KIND, start)


class Run:
    """The options of one run, and what it measured."""

    def __init__(self, idiom, spec_path, input_path, workers, chunk, start, model=None,
                 limit=0, output=None, field_limit=FIELD_LIMIT_DEFAULT, scratch_dir=None,
                 progress=Progress(), input_fd=None, output_fd=None):
        self.idiom, self.spec_path, self.input_path = idiom, spec_path, input_path
        self.workers = 0 if idiom.KIND == "serial" else workers
        self.chunk = SERIAL_CHUNK if idiom.KIND == "serial" else chunk
        self.start, self.model = start, model or idiom.MODELS[0]
        self.limit, self.output_path = limit, output
        self.input_fd, self.output_fd = input_fd, output_fd
        self.field_limit, self.scratch_dir = field_limit, scratch_dir
        self.progress = progress
        self.stats = {}

    def execute(self, table):
        """Raises UsageError or SpecError/InputError (exit 2) before streaming, anything else
        (exit 1) after; returns the summary items otherwise."""
        why_not = refusal(self.idiom, self.start, self.model, table)
        if why_not:
            raise UsageError(why_not)
        spec = load_spec(self.spec_path)
        source = ModelSource(spec, self.model, self.scratch_dir)
        t0 = time.monotonic()
        plan = self.idiom.prepare(source)
        self.stats["build_s"] = source.build_seconds
        self.stats["prepare_s"] = time.monotonic() - t0 - source.build_seconds
        try:
            self._stream(plan, source)
        finally:
            if plan.teardown:
                plan.teardown()
        # A model built in the parent, or else (initializer) the largest a worker built.
        self.stats["model_bytes"] = source.model_bytes or self.stats.get("worker_setup_bytes", 0)
        self.stats["payload_bytes"] = payload_bytes(plan)
        return self.summary()

    def _stream(self, plan, source):
        reader = RecordReader(self.input_path, self.field_limit, self.input_fd)
        output = self._open_output()
        rejections = RejectionReport(reader.name)
        totals = Totals(output)
        chunks = chunks_of(reader, self.chunk, self.limit, rejections, output is not None)
        started, usage = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
        try:
            stream(self.idiom.KIND, self.start, self.workers, plan, chunks, totals, self.stats,
                   self.progress)
            # The run has finished: a signal from now on comes too late to interrupt it, and
            # must not raise between the commit below and the exit (one answer: exit 0 with
            # the results committed, or interrupted with them removed).
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, signal.SIG_IGN)
        except BaseException:
            if output:
                output.close()
                if output.tmp_path:
                    os.unlink(output.tmp_path)
            raise
        finally:
            reader.close()
        self._parent_usage(usage)
        rejections.finish()
        if output:
            self._commit_output(output)
        start_s = self.stats.get("start_s", 0.0)
        self.stats["seconds"] = time.monotonic() - started - start_s
        began = self.stats.get("stream_started", started)
        first = totals.first_result
        self.stats["first_result_s"] = first - began if first else 0.0
        self.stats.update(rows=totals.rows, checksum=totals.checksum, chunks=totals.chunks,
                          rejected=rejections.count, input_bytes=reader.bytes_read)

    def _parent_usage(self, before):
        """This process's own CPU (all its threads: Pool's task and result threads pickle and
        unpickle) and minor faults while streaming."""
        after = resource.getrusage(resource.RUSAGE_SELF)
        self.stats["parent_cpu_s"] = (after.ru_utime + after.ru_stime - before.ru_utime
                                      - before.ru_stime)
        self.stats["parent_minor_faults"] = after.ru_minflt - before.ru_minflt

    def _open_output(self):
        """The results file. Given as a descriptor (`sharebench run` opens --output itself,
        harness/io/outfile.h, and commits it once this program has finished), it is written
        as it is. Run on its own, this program writes under a temporary name until the run
        completes, as the C harness does: links are followed to the file they name, the
        temporary is created new (O_EXCL, never through a link), a replaced file keeps its
        permissions, and what is not a regular file is refused: replacing a device or a FIFO
        would destroy it."""
        if self.output_fd is not None:
            return self._results_file(os.fdopen(self.output_fd, "w", encoding="ascii",
                                                newline="\n"), None, None)
        if not self.output_path:
            return None
        target = os.path.realpath(self.output_path)
        try:
            old = os.stat(target)
        except FileNotFoundError:
            old = None
        except OSError as e:
            raise InputError("%s: cannot create: %s" % (self.output_path, os.strerror(e.errno)))
        if old is not None and not stat.S_ISREG(old.st_mode):
            raise UsageError("%s: py: runs write --output to a regular file (or a new one); "
                             "for a device, a FIFO or a descriptor use a C strategy"
                             % self.output_path)
        tmp = "%s.tmp%d" % (target, os.getpid())
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                         0o666)
        except OSError as e:
            raise InputError("%s: cannot create results file: %s" % (tmp, os.strerror(e.errno)))
        if old is not None:
            os.fchmod(fd, stat.S_IMODE(old.st_mode))
        return self._results_file(os.fdopen(fd, "w", encoding="ascii", newline="\n"), target, tmp)

    def _results_file(self, f, target, tmp):
        f.target, f.tmp_path, f.label = target, tmp, self.output_path
        f.write("id,class,score\n")
        return f

    def _commit_output(self, output):
        """Put the results in place (written to a descriptor: the caller does); on a failed
        write (a full disk) or rename, the temporary is removed and the target stays as it
        was."""
        try:
            output.close()
            if output.tmp_path:
                os.rename(output.tmp_path, output.target)
        except OSError as e:
            if output.tmp_path:
                try:
                    os.unlink(output.tmp_path)
                except OSError:
                    pass
            raise OSError(e.errno, "%s: write failed: %s" % (output.label, os.strerror(e.errno)))

    def summary(self):
        """[(key, value)] in the order `sharebench run` prints them."""
        s = self.stats
        seconds = s["seconds"] if s["seconds"] > 0 else 1e-9
        workers_up = s.get("ready_s") or s.get("start_s", 0.0)
        chunks = s["chunks"] if self.workers else 0
        shipped = s["payload_bytes"] * chunks
        return [
            ("strategy", "py:" + self.idiom.NAME),
            ("start", start_name(self.idiom, self.start)),
            ("workers", self.workers),
            ("chunk", self.chunk if self.workers else 0),
            ("touch", 0),
            ("rows", s["rows"]),
            ("rejected", s["rejected"]),
            ("failed", 0),
            ("worker_restarts", 0),
            ("checksum", "%016x" % s["checksum"]),
            ("seconds", float(s["seconds"])),
            ("rows_per_s", s["rows"] / seconds),
            ("mb_per_s", s["input_bytes"] / 1e6 / seconds),
            ("input_bytes", s["input_bytes"]),
            ("setup_seconds", s["build_s"] + s["prepare_s"] + workers_up),
            ("build_s", s["build_s"]),
            ("prepare_s", s["prepare_s"]),
            ("start_s", s.get("start_s", 0.0)),
            ("ready_s", s.get("ready_s", 0.0)),
            ("first_result_s", s["first_result_s"]),
            ("chunks", chunks),
            ("bytes_shipped", shipped),
            ("bytes_per_chunk", float(shipped / chunks if chunks else 0.0)),
            ("model_mb", s["model_bytes"] / 1e6),
            ("parent_cpu_s", float(s["parent_cpu_s"])),
            ("parent_minor_faults", s["parent_minor_faults"]),
            ("model", self.model),
            ("python", platform.python_version()),
        ]


def format_summary(items, as_json):
    """One line: key=value pairs, or one JSON object (summary.c's format)."""
    def value(v):
        if isinstance(v, float):
            if v != v:
                return "null" if as_json else "nan"
            return "%.6g" % v
        if isinstance(v, str):
            return '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"') if as_json else v
        return "%d" % v
    if as_json:
        return "{" + ",".join('"%s":%s' % (k, value(v)) for k, v in items) + "}"
    return " ".join("%s=%s" % (k, value(v)) for k, v in items)
