"""sharedctypes - the flat model in a multiprocessing.sharedctypes.RawArray.

What it does: the answer often given for "share a big array with Pool workers": the parent
  allocates a RawArray (an unsynchronised block in multiprocessing's shared heap, a file
  mapped MAP_SHARED), builds the flat model into it (sorted token keys, priors, weights:
  FlatModel in sbpy/models.py) and passes it to the Pool as an initializer argument. Each
  worker wraps the same memory in numpy views and classifies from them; no token has a
  Python object, so nothing is written into the model's pages by reading it.
What it costs: one build, into shared memory; per worker, mapping the block (with fork it is
  inherited; with spawn and forkserver multiprocessing passes the block's file descriptor to
  each worker at start, which is why a RawArray may be an initializer argument but never a
  task argument). Per task, nothing but the records. Memory: one copy, however many workers.
  Look-ups are a binary search per chunk instead of dict look-ups.
When to use it: numeric data shared by a Pool, on any start method, when you want the
  standard library only (RawArray is older and lower-level than shared_memory).
C counterpart: strategies/shared_arrays.c (a flat image in a sealed memfd, mapped read-only).
Model: numpy only, flat: a RawArray holds bytes, not Python objects.
"""
import multiprocessing.sharedctypes

from ..models import FlatModel
from ..pool import Plan

NAME = "sharedctypes"
SUMMARY = "the flat model in a RawArray, handed to workers through the Pool initializer"
KIND = "processes"
STARTS = ("fork", "spawn", "forkserver")
MODELS = ("numpy",)
FLAT_ONLY = "its model is a flat block of bytes in a RawArray, which cannot hold Python objects"
C_COUNTERPART = "shared_arrays"

_model = None  # this worker's view of the shared block


def attach(spec, block):
    global _model
    _model = FlatModel(spec, block)


def classify_chunk(chunk):
    return _model.classify_chunk(chunk)


def prepare(source):
    block = multiprocessing.sharedctypes.RawArray("B", FlatModel.nbytes(source.spec))
    source.build(lambda: FlatModel.fill(source.spec, block), nbytes=len(block))
    return Plan(work=classify_chunk, initializer=attach, initargs=(source.spec, block))
