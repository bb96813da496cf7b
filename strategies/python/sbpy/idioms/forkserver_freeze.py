"""forkserver_freeze - forkserver_preload, with gc.freeze() in the server before it forks.

What it does: what forkserver_preload does, with gc_freeze's order applied in the server:
  the preloaded module disables the collector before it builds the model and freezes every
  object alive (the model's) into the permanent generation right after, before the server
  forks its first worker; each worker enables the collector first thing. A worker's
  collections then never visit the model's objects, so they never write into their pages.
What it costs: nothing more than forkserver_preload. What it saves: the collector's writes
  into a tracked model (the "lists" model: each worker's first full collection would
  otherwise copy every page holding a list header). Reference counts are still written on
  every read, as in gc_freeze.
When to use it: forkserver workers sharing a preloaded model of many tracked objects.
C counterpart: strategies/global_fork.c.
Model: any; default "objects" ("lists" is where the freeze can matter).
"""
import gc

from ..pool import Plan
from .forkserver_preload import MODELS, START_ONLY, STARTS, attach, classify_chunk, preload

NAME = "forkserver_freeze"
SUMMARY = "forkserver_preload with gc.freeze() in the forkserver after the build"
KIND = "processes"
C_COUNTERPART = "global_fork"
__all__ = ("MODELS", "START_ONLY", "STARTS")


def start_worker():
    gc.enable()  # the server froze the model with the collector off; this worker collects
    return attach()


def prepare(source):
    preload(source, freeze=True)
    return Plan(work=classify_chunk, initializer=start_worker)
