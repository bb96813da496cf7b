"""Explanations that need a figure: where per_task_serialize's copies are, what the page faults
of section 4 count, what fork's cost depends on. Each sentence is computed from the results,
so that it follows the data it cites."""
from .load import median_of, num, spread, values
from .markdown import fmt

PAGE = 4096  # bytes: the page the faults count (x86-64 and most arm64 kernels)


def ratio(a, b):
    return a / b if b else float("nan")


def per_worker(row):
    """Each worker's own memory (USS) in a run, in MB: uss_workers_mb is a/b/c."""
    return [num(v) for v in str(row.get("uss_workers_mb", "")).split("/") if v]


def per_task_copies(rows):
    """Where per_task_serialize's model copies are, by process; "" without such runs."""
    pts = [r for r in rows if r["strategy"] == "per_task_serialize" and r["workers"] != "0"]
    if not pts:
        return ""
    model = num(pts[0]["model_mb"])
    parts = []
    for w in sorted({r["workers"] for r in pts}, key=int):
        rs = [r for r in pts if r["workers"] == w]
        copies = median_of(rs, "model_copies")
        parent = median_of(rs, "uss_parent_mb") / model
        workers = spread([sum(per_worker(r)) for r in rs])[0] / model
        tasks = median_of(rs, "chunks")
        parts.append(f"with {w} worker{'s' if w != '1' else ''} ({fmt(tasks)} "
                     f"task{'s' if tasks != 1 else ''}), "
                     f"{fmt(copies, 2)} = parent {fmt(parent, 2)} + workers {fmt(workers, 2)} "
                     f"({fmt(ratio(workers, int(w)), 2)} each) + {fmt(copies - parent - workers, 2)} shared")
    return ("Where per_task_serialize's copies are (medians, each process's own memory at its peak, "
            "USS, in model sizes): " + "; ".join(parts) + ". The parent keeps each worker's two "
            "tasks in flight, each holding the whole image, until their results are back (to resend "
            "them if the worker dies), and the same bytes again in that worker's write buffer; a "
            "worker holds the task it received and the model rebuilt from it; the shared rest is "
            "the parent's model, which its forked workers share. With every worker two tasks "
            "ahead that is 1 + 6N copies for N workers; runs with few tasks keep fewer in flight.")


def copy_faults(touch):
    """global_fork's workers' minor faults without and with --touch, and what the difference
    copied: (without, with, MB copied, model sizes copied)."""
    gf0 = median_of(touch, "minor_faults", strategy="global_fork", touch=0)
    gf1 = median_of(touch, "minor_faults", strategy="global_fork", touch=1)
    copied = (gf1 - gf0) * PAGE / 1e6
    model = median_of(touch, "model_mb", strategy="global_fork", touch=1)
    return gf0, gf1, copied, ratio(copied, model)


def fault_counts(touch):
    """Section 4's faults read: what --touch adds, and why shared_arrays takes more without it."""
    w = touch[0]["workers"]
    gf0, gf1, copied, sizes = copy_faults(touch)
    sa0 = median_of(touch, "minor_faults", strategy="shared_arrays", touch=0)
    grew = (median_of(touch, "model_copies", strategy="global_fork", touch=1)
            - median_of(touch, "model_copies", strategy="global_fork", touch=0))
    pages = median_of(touch, "image_mb", strategy="shared_arrays", touch=0) * 1e6 / PAGE
    per = (sa0 - gf0) / int(w)
    return (f"Reading the faults: without --touch, global_fork's {w} workers took {fmt(gf0)} minor "
            "faults in all, none of them for the model (fork copied the parent's page table "
            "entries for it) but for their own stacks and buffers. --touch added "
            f"{fmt(gf1 - gf0)}, one per page copied on its first write: {fmt(gf1 - gf0)} pages of "
            f"{PAGE // 1024} KiB are {fmt(copied, 1)} MB, {fmt(sizes, 2)} model sizes, as the "
            f"copies grew by {fmt(grew, 2)}. shared_arrays took {fmt(sa0)} without --touch, "
            f"{fmt(ratio(sa0, gf0), 1)}x global_fork's: fork copies no page table entries of a shared "
            "mapping, so each worker fills them as it reads, and each fault maps the resident pages "
            f"around the one touched (fault-around): {fmt(per)} more faults per worker for the "
            f"image's {fmt(pages)} pages, one per {fmt(ratio(pages, per), 1)} pages (the kernel's "
            "default fault-around block is 16 pages, 64 KiB).")


def touch_lesson(touch):
    """Lesson 4's numbers: the faults --touch adds, and what they copied."""
    gf0, gf1, copied, sizes = copy_faults(touch)
    return (f"after {fmt(gf1)} minor faults in its workers against {fmt(gf0)} without --touch: "
            f"{fmt(gf1 - gf0)} more, each a copied {PAGE // 1024} KiB page ({fmt(copied, 1)} MB, "
            f"{fmt(sizes, 2)} model sizes)")


def fork_starts(rows):
    """How long global_fork and shared_arrays took to start their workers: the page table
    entries fork copies, or not; "" without both."""
    w = "2" if any(r["workers"] == "2" for r in rows) else None
    gf = values(rows, "start_s", strategy="global_fork", workers=w) if w else []
    sa = values(rows, "start_s", strategy="shared_arrays", workers=w) if w else []
    if not gf or not sa:
        return ""
    return (f"shared_arrays' parent started its {w} workers in {fmt(spread(sa)[0] * 1000, 1)} ms "
            f"against global_fork's {fmt(spread(gf)[0] * 1000, 1)} ms (section 6): its model is a "
            "shared mapping, whose page table entries fork does not copy")
