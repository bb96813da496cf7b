"""per_task_pickle - the classifier pickled with every task: pool.imap(model.classify, ...).

What it does: hands the Pool a bound method, model.classify_chunk. A bound method pickles
  as its instance plus a name, so every task carries the whole model: the parent pickles it
  again for each chunk, sends it through the pool's pipe, and the worker unpickles a fresh
  copy, classifies one chunk, and drops it.
What it costs: per chunk, a full pickle in the parent, the model's size through a pipe, and
  a full unpickle in the worker: time and bytes grow as model size times number of chunks.
  Bigger chunks amortise it; nothing removes it. Slow on purpose: it is what happens,
  silently, when code maps a method of an object holding a big model, and the reason every
  other idiom exists. Use --limit (or large chunks) on large inputs.
When to use it: never for a large model. (For a small one it is the simplest thing that works
  with every start method.)
C counterpart: strategies/per_task_serialize.c.
Model: either; default "objects" (pickling a dict of tuples is the slowest case; the numpy
  matrix pickles as one block).
"""
from ..pool import Plan

NAME = "per_task_pickle"
SUMMARY = "every task carries the whole model: a bound method is pickled with its instance"
KIND = "processes"
STARTS = ("fork", "spawn", "forkserver")
MODELS = ("objects", "lists", "numpy")
C_COUNTERPART = "per_task_serialize"


def prepare(source):
    model = source.build()
    return Plan(work=model.classify_chunk, payload=model)
