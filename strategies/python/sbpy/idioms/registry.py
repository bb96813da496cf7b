"""registry - tasks carry a 16-byte UUID handle, resolved in the registry workers inherited.

What it does: the answer usually given to "how do I use an unpicklable object with Pool":
  a Classifier wrapper registers its model under a random UUID in a module-level
  weakref.WeakValueDictionary and defines __getstate__/__setstate__ so that pickling it
  sends only the UUID. pool.imap_unordered(classifier.classify_chunk, chunks) then pickles
  the bound method, hence the wrapper, hence 16 bytes, with every task; the worker's
  __setstate__ looks the UUID up in the registry it inherited at fork and finds the model.
  The registry holds models weakly: it never keeps one alive. A handle the worker's registry
  does not know (a model registered after the worker was forked, a spawned worker) is a
  clear error for that task, never a crash and never the wrong model.
What it costs: the same as global_fork (a fork, copy-on-write), plus a small pickle and a
  dict look-up per task. The coupling is explicit: each task says which model it needs, so
  one pool can serve several models.
When to use it: several models in one fork pool, or a class whose method must be mapped
  without dragging its big state through pickle. Like every fork-inherited idiom, the
  registry must be filled before the pool starts.
C counterpart: strategies/registry.c.
Model: either; default "objects".
"""
import uuid
import weakref

from ..pool import Plan

NAME = "registry"
SUMMARY = "tasks carry a 16-byte UUID handle (__getstate__), resolved in the inherited registry"
KIND = "processes"
STARTS = ("fork",)
FORK_ONLY = "the registry of models and their UUID handles was filled by the parent before fork"
MODELS = ("objects", "lists", "numpy")
C_COUNTERPART = "registry"

_REGISTRY = weakref.WeakValueDictionary()  # UUID -> model; filled by the parent before fork


class Classifier:
    """A handle to a registered model: pickles as its UUID, never as the model."""

    def __init__(self, model):
        self.uuid = uuid.uuid4()
        self.model = model  # the parent's strong reference; the registry's is weak
        _REGISTRY[self.uuid] = model

    def __getstate__(self):
        return {"uuid": self.uuid.bytes}

    def __setstate__(self, state):
        # Unpickling must not fail inside a Pool worker (it would die, and its task be
        # lost), so an unknown handle is remembered and reported by classify_chunk.
        self.uuid = uuid.UUID(bytes=state["uuid"])
        self.model = _REGISTRY.get(self.uuid)

    def classify_chunk(self, chunk):
        if self.model is None:
            raise LookupError("registry: unknown handle %s: no such model in this worker's "
                              "registry (registered after the worker started?)" % self.uuid)
        return self.model.classify_chunk(chunk)


def prepare(source):
    classifier = Classifier(source.build())
    return Plan(work=classifier.classify_chunk, payload=classifier)
