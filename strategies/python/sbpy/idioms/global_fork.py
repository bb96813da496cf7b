"""global_fork - a module-level global set before a fork Pool; workers read it copy-on-write.

What it does: the parent builds the model into the module global MODEL, then creates
  multiprocessing.get_context("fork").Pool(n). Each worker is a fork of the parent, so MODEL
  is already there in its memory; the task function just reads the global. Tasks carry only
  records.
What it costs: nothing to set up beyond fork(), nothing per task, and in principle one copy
  of the model shared by all. In CPython the principle fails for the "objects" model: every
  dict look-up and every tuple read increments and decrements reference counts stored inside
  the objects, and the cyclic garbage collector writes into the headers of every tracked
  object it visits. Each write copies a 4 KiB page into the writing worker, so a worker that
  reads the whole model ends up holding its own copy, page by page. The "numpy" model keeps
  most of its bytes in one array no reference count touches, so far fewer pages are copied.
When to use it: a Unix program that builds its model, then forks, with a numpy-backed model.
  It is the shortest answer to "share a big object with Pool workers", and the most fragile:
  the worker code reads a global it never received, and with spawn or forkserver (the
  default on macOS and, from Python 3.14, on Linux) the global is simply empty. It is let
  run with --start forkserver to show exactly that: the parent builds the model, the
  workers start, each finds MODEL None (its initializer checks) and the run stops, saying
  why (exit 1).
C counterpart: strategies/global_fork.c; `sharebench run --touch` imitates in C the
  reference-count writes that happen here for real.
Model: any; default "objects" (tuples, the model a Python programmer writes first); "lists"
  is the same dict with objects the garbage collector tracks.
"""
from ..pool import Plan, require_inherited

NAME = "global_fork"
SUMMARY = "a module global set before a fork Pool; workers read it copy-on-write"
KIND = "processes"
STARTS = ("fork",)
FORK_ONLY = "its workers read the model through a module global the parent set before fork"
SHOWN_FAILING = ("forkserver",)
MODELS = ("objects", "lists", "numpy")
C_COUNTERPART = "global_fork"

MODEL = None  # the global: set by the parent, read by every forked worker. On purpose.


def classify_chunk(chunk):
    return MODEL.classify_chunk(chunk)


def check_model():
    require_inherited(MODEL, __name__ + ".MODEL")


def _forget():
    global MODEL
    MODEL = None


def prepare(source):
    global MODEL
    MODEL = source.build()
    return Plan(work=classify_chunk, initializer=check_model, teardown=_forget)
