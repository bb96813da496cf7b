"""initializer - each worker builds its own model from the spec: Pool(initializer=...).

What it does: the parent builds nothing; it checks the spec and passes it (a few hundred
  bytes) as the Pool's initargs. Each worker's initializer builds a complete model into a
  worker-global, and every task of that worker uses it.
What it costs: N builds (in parallel: about one build's wall time on N cores) and N private
  copies: memory grows linearly with the worker count. Nothing per task, and no
  copy-on-write surprises, since nothing is shared.
When to use it: a model that is cheap to build and small next to the machine; any start
  method (it is the natural answer under spawn); workers that must share nothing.
C counterpart: strategies/per_worker_copy.c.
Model: either; default "objects".
"""
from ..models import build_model
from ..pool import Plan

NAME = "initializer"
SUMMARY = "each worker builds its own model at start: Pool(initializer=build, initargs=(spec,))"
KIND = "processes"
STARTS = ("fork", "spawn", "forkserver")
MODELS = ("objects", "lists", "numpy")
C_COUNTERPART = "per_worker_copy"

_model = None  # this worker's own copy


def build_here(spec, kind):
    global _model
    _model = build_model(spec, kind)


def classify_chunk(chunk):
    return _model.classify_chunk(chunk)


def prepare(source):
    return Plan(work=classify_chunk, initializer=build_here, initargs=(source.spec, source.kind))
