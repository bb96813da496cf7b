"""sbpy - the sharebench workload in Python, and the Python idioms for sharing one big
read-only classifier with multiprocessing.Pool workers, measured against the C harness.

Reading order: workload.py (the contract's arithmetic), spec.py and records.py (the inputs,
checked as the C harness checks them), models.py (the classifier in its three shapes),
pool.py (the machinery all idioms share), then idioms/, one idiom per file, and run.py (one
run, its summary line). The entry point is ../sharebench_py.py.
"""
