"""memmap - the flat model written once to a file, mapped read-only by every worker.

What it does: the parent builds the flat model (sorted token keys, priors, weights:
  FlatModel in sbpy/models.py) into a numpy.memmap of a new file in the scratch directory
  (--scratch-dir, default $TMPDIR or /tmp), written under a temporary name and renamed into
  place once complete, so no worker can map a half-written model. Workers get the path and
  open np.memmap(path, mode="r"): the kernel's page cache holds the one copy, every worker
  maps the same pages. This is what joblib does with large numpy arguments.
What it costs: one build and one write of the model to the file system (page cache, not
  necessarily disk); per worker an open and an mmap; pages come in by page fault on first
  use. Memory: one copy, counted as file-backed (pss_file). The file is removed at the end.
When to use it: large arrays, any start method, and when the model should outlive the
  process or be shared with processes started independently (they only need the path).
C counterpart: strategies/mapped_file.c.
Model: numpy only, flat: a file holds bytes, not Python objects.
"""
import itertools
import os

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


def _write_image(spec, path):
    tmp = "%s.tmp" % path
    try:
        image = np.memmap(tmp, dtype=np.uint8, mode="w+", shape=(FlatModel.nbytes(spec),))
        FlatModel.fill(spec, image)
        image.flush()
        del image
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def prepare(source):
    directory = source.scratch_dir or os.environ.get("TMPDIR") or "/tmp"
    path = os.path.join(directory, "sharebench-py-%d-%d.img" % (os.getpid(), next(_serial)))
    source.build(lambda: _write_image(source.spec, path), nbytes=FlatModel.nbytes(source.spec))
    return Plan(work=classify_chunk, initializer=attach, initargs=(source.spec, path),
                teardown=lambda: os.unlink(path))
