"""shared_memory - the whole model flat in a named multiprocessing.shared_memory block.

What it does: the parent creates a SharedMemory block (a POSIX shared memory object,
  /dev/shm/psm_...), builds the flat model into it (sorted token keys, priors, weights:
  FlatModel in sbpy/models.py) and gives workers only the block's name. Each worker
  attaches the block by name in its initializer and wraps it in numpy views: no per-worker
  dict, no per-token object, nothing the reference counts or the collector could write to.
What it costs: one build; per worker, one shm_open and mmap (microseconds); per task,
  nothing but the records. Memory: one copy, counted as shared memory (pss_shmem). The
  parent must unlink the block when done (here: in teardown); Python's resource tracker
  unlinks it if the parent dies first.
When to use it: the modern standard-library answer for large numeric models, on every start
  method, and the one that also works between unrelated processes (they only need the name).
C counterpart: strategies/shared_arrays.c (flat image in a sealed memfd).
Model: numpy only, flat: shared memory holds bytes, not Python objects.
"""
import atexit
import traceback
from multiprocessing import shared_memory

from ..models import FlatModel
from ..pool import Plan

NAME = "shared_memory"
SUMMARY = "the flat model in a named SharedMemory block, attached by name in each worker"
KIND = "processes"
STARTS = ("fork", "spawn", "forkserver")
MODELS = ("numpy",)
FLAT_ONLY = "its model is a flat block of bytes in shared memory, which cannot hold Python objects"
C_COUNTERPART = "shared_arrays"

class Attachment:
    """A worker's attachment to a block, by name, and the model viewing it: the views are
    valid while the block is open, and must be dropped before it closes (a block with views
    still exported cannot close)."""

    def __init__(self):
        self.block = self.model = None

    def attach(self, name, view):
        """Attach the block called name; the model is view(its buffer)."""
        self.block = shared_memory.SharedMemory(name=name)
        self.model = view(self.block.buf)
        atexit.register(self.detach)  # a spawned worker exits through the interpreter's shutdown

    def detach(self):
        self.model = None
        self.block.close()


_here = Attachment()  # this worker's


def attach(spec, name):
    _here.attach(name, lambda buffer: FlatModel(spec, buffer))


def classify_chunk(chunk):
    return _here.model.classify_chunk(chunk)


def prepare(source):
    block = shared_memory.SharedMemory(create=True, size=FlatModel.nbytes(source.spec))
    try:
        source.build(lambda: FlatModel.fill(source.spec, block.buf), nbytes=block.size)
    except BaseException as e:
        # fill's frames, kept by the traceback, hold views of the block: a block with views
        # cannot close (an interrupted build would end in BufferError, the block left behind).
        traceback.clear_frames(e.__traceback__)
        release(block)
        raise
    return Plan(work=classify_chunk, initializer=attach, initargs=(source.spec, block.name),
                teardown=lambda: release(block))


def release(block):
    """In the parent: the block closed and removed (workers still attached keep it mapped)."""
    block.close()
    block.unlink()
