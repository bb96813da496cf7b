"""threads - a thread pool sharing one model under the GIL.

What it does: multiprocessing.pool.ThreadPool(n), the same imap_unordered over the same
  chunks as the process idioms, but its workers are threads of the parent: they all hold a
  reference to the one model. Nothing is pickled for the model, nothing copied.
What it costs: no setup, no memory beyond one model; but the global interpreter lock lets
  one thread run Python bytecode at a time, so pure-Python classification does not get
  faster with more threads. numpy releases the GIL inside its own loops, so the numpy
  model gains a little; the Python around each numpy call does not.
When to use it: I/O-bound work, or work done mostly inside C extensions that release the GIL.
  (Free-threaded CPython, PEP 703, changes this; Debian's python3 is not built that way.)
C counterpart: strategies/threads.c, where threads are the ceiling rather than the floor.
Model: either; default "objects".
"""
from ..pool import Plan

NAME = "threads"
SUMMARY = "a ThreadPool sharing one model under the GIL"
KIND = "threads"
STARTS = ()
MODELS = ("objects", "lists", "numpy")
C_COUNTERPART = "threads"


def prepare(source):
    model = source.build()
    return Plan(work=model.classify_chunk)
