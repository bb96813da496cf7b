"""memmap - the flat model written once to a file, mapped read-only by every worker.

What it does: the parent builds the flat model (sorted token keys, priors, weights:
  FlatModel in sbpy/models.py) into a numpy.memmap of a new file in the scratch directory
  (--scratch-dir, default $TMPDIR or /tmp), written under a temporary name and renamed into
  place once complete, so no worker can map a half-written model. Workers get the path and
  open np.memmap(path, mode="r"): the kernel's page cache holds the one copy, every worker
  maps the same pages. This is what joblib does with large numpy arguments.
  The file follows the C harness's rules for scratch files (harness/support/scratch.h, as
  strategies/mapped_file.c): created new (O_EXCL: never a file or a link someone else put
  under the name), its blocks reserved before it is mapped (a store to a page a full file
  system cannot back would be a SIGBUS, where posix_fallocate says ENOSPC), and locked
  (flock) by the parent until teardown, which tells `sharebench clean` it is in use, even
  from another PID namespace, where the PID in its name means nothing.
What it costs: one build and one write of the model to the file system (page cache, not
  necessarily disk); per worker an open and an mmap; pages come in by page fault on first
  use. Memory: one copy, counted as file-backed (pss_file). The file is removed at the end.
When to use it: large arrays, any start method, and when the model should outlive the
  process or be shared with processes started independently (they only need the path).
C counterpart: strategies/mapped_file.c.
Model: numpy only, flat: a file holds bytes, not Python objects.
"""
import errno
import fcntl
import itertools
import os
import resource

import numpy as np

from ..models import FlatModel
from ..pool import Plan

NAME = "memmap"
SUMMARY = "the flat model written once to a file (tmp + rename), np.memmap'd read-only"
KIND = "processes"
STARTS = ("fork", "spawn", "forkserver")
MODELS = ("numpy",)
FLAT_ONLY = "its model is a flat file of bytes, which cannot hold Python objects"
C_COUNTERPART = "mapped_file"

_serial = itertools.count()
_model = None  # this worker's view of the mapped file


def attach(spec, path):
    global _model
    _model = FlatModel(spec, np.memmap(path, dtype=np.uint8, mode="r"))


def classify_chunk(chunk):
    return _model.classify_chunk(chunk)


class _Image:
    """The image file: its descriptor, open and locked in this process until remove()."""

    def __init__(self, directory):
        self.fd, self.path = self._create(directory)
        self.tmp = self.path + ".tmp"

    @staticmethod
    def _create(directory):
        """A new file DIR/sharebench-py-PID-N.img.tmp, read-only from birth (only this
        descriptor, opened for writing, can fill it), locked as in use the instant after."""
        for _ in range(100):
            path = os.path.join(directory, "sharebench-py-%d-%d.img" % (os.getpid(), next(_serial)))
            try:
                fd = os.open(path + ".tmp", os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                             | os.O_CLOEXEC, 0o444)
            except FileExistsError:
                continue
            fcntl.flock(fd, fcntl.LOCK_EX)
            return fd, path
        raise OSError(errno.EEXIST, "memmap: cannot create %s.tmp: %s"
                      % (path, os.strerror(errno.EEXIST)))

    def _reserve(self, nbytes):
        try:
            os.posix_fallocate(self.fd, 0, nbytes)
        except OSError as e:
            if e.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise OSError(e.errno, "memmap: %s: cannot reserve %d bytes for the model's "
                              "image: %s%s" % (self.tmp, nbytes, os.strerror(e.errno),
                                               _limit_note(e.errno))) from None
            fs = os.fstatvfs(self.fd)
            raise OSError(e.errno, "memmap: %s: no space for the model's image (%s): it needs "
                          "%.1f MB, the file system has %.1f MB free (--scratch-dir DIR puts it "
                          "elsewhere)" % (self.tmp, os.strerror(e.errno), nbytes / 1e6,
                                          fs.f_bavail * fs.f_frsize / 1e6)) from None

    def write(self, spec):
        """Fill the file with the flat model, then give it its name; on any failure the file
        is removed and the descriptor closed."""
        try:
            nbytes = FlatModel.nbytes(spec)
            self._reserve(nbytes)
            with os.fdopen(os.dup(self.fd), "r+b") as f:  # np.memmap maps a file object's fd
                image = np.memmap(f, dtype=np.uint8, mode="r+", shape=(nbytes,))
                FlatModel.fill(spec, image)
                image.flush()
                del image
            os.rename(self.tmp, self.path)
        except BaseException:
            self._unlink(self.tmp)
            os.close(self.fd)
            raise

    def remove(self):
        """Every worker has ended: nobody maps the file any more. The lock goes with the
        descriptor, after the name."""
        self._unlink(self.path)
        os.close(self.fd)

    @staticmethod
    def _unlink(path):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _limit_note(errnum):
    """What the C harness adds to EFBIG (harness/support/util.c): the file size limit, if set."""
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if errnum != errno.EFBIG or limit == resource.RLIM_INFINITY:
        return ""
    return " (ulimit -f, the limit on the size of a file written, is %d bytes)" % limit


def prepare(source):
    directory = source.scratch_dir or os.environ.get("TMPDIR") or "/tmp"
    image = _Image(directory)
    source.build(lambda: image.write(source.spec), nbytes=FlatModel.nbytes(source.spec))
    return Plan(work=classify_chunk, initializer=attach, initargs=(source.spec, image.path),
                teardown=image.remove)
