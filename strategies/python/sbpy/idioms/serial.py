"""serial - no workers: the parent classifies every record (the reference figures).

What it does: builds the model, then reads the records and classifies them one chunk after
  another in the same process. No pool, no pickling, no second process.
What it costs: one build; per record, the classification and nothing else; memory is one
  model. It uses one core, however many the machine has.
When to use it: as the baseline every other idiom is checked against (same rows, rejected and
  checksum), and whenever the input is small enough that a pool's start-up is not worth it.
C counterpart: strategies/serial.c (`sharebench run --strategy serial`).
Model: either representation (--model objects, the default, or numpy); with no second
  process, nothing can be copied on write, so the choice changes speed only.
"""
from ..pool import Plan

NAME = "serial"
SUMMARY = "no workers: the parent classifies every record (the reference checksum)"
KIND = "serial"
STARTS = ()
MODELS = ("objects", "lists", "numpy")
C_COUNTERPART = "serial"


def prepare(source):
    model = source.build()
    return Plan(work=model.classify_chunk)
