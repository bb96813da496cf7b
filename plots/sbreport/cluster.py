"""Section 9: sharebench-mpi on this node and over simulated nodes."""
from collections import defaultdict

from .load import group, num, order_key, read_jsonl, read_mpi
from .markdown import cell, table


def section_mpi(res, out):
    runs = read_mpi(res)
    out.append("## 9. Across nodes: sharebench-mpi\n")
    if not runs:
        out.append("Not measured in this run (no mpi.jsonl: sharebench-mpi is built only where "
                   "Open MPI is installed).\n")
        return
    nodes = sorted({r["nodes"] for r in runs})
    out.append(
        "`mpirun -np N sharebench-mpi --strategy S`: every rank reads and classifies its own byte "
        "range of the input (rank 0 plans the ranges with the range feed's exact planner and "
        "scatters them), and the counts and "
        "checksums are reduced to rank 0. Memory per node = the ranks' PSS growth over the step "
        "that shares the model, summed per node, in copies of the flat image; node PSS = all the "
        f"ranks' PSS on the node. Measured on {', '.join(str(n) for n in nodes)} node(s) (this "
        "machine; ranks beyond its cores are oversubscribed, so records/s there measures "
        "contention, not scaling). Medians (min-max). Source: `mpi.jsonl`.\n")
    body = []
    groups = defaultdict(list)
    for r in runs:
        groups[(r["strategy"], r["workers"])].append(r)
    for (s, n), rs in sorted(groups.items(), key=lambda kv: (order_key(kv[0][0]), kv[0][1])):
        body.append([s, n, cell([r["rows_per_s"] for r in rs]),
                     cell([r["model_copies_per_node"] for r in rs], 2),
                     cell([r["node_pss_mb"] for r in rs], 1),
                     cell([r["setup_seconds"] * 1000 for r in rs], 1),
                     ", ".join(sorted({r["checksum"] for r in rs}))])
    out.append(table(["strategy", "ranks", "records/s", "model copies per node", "node PSS MB",
                      "setup ms", "checksum"], body) + "\n")


def section_mpi_nodes(res, out):
    runs = read_jsonl(res, "mpi_nodes.jsonl")
    out.append("### 9.1 Simulated nodes on this machine\n")
    if not runs:
        out.append("Not measured in this run (no mpi_nodes.jsonl: `scripts/mpi-nodes` needs root "
                   "and namespaces; the quick main job skips it).\n")
        return
    out.append(
        "`scripts/mpi-nodes-series`: sharebench-mpi over N simulated nodes (each node's Open MPI "
        "daemon in its own UTS namespace, ranks talking TCP over loopback) x R ranks per node. "
        "The nodes share this machine's cores and memory, so records/s measures the transport "
        "and the split, not a cluster's speed; memory is per simulated node (each node's ranks "
        "summed). Source: `mpi_nodes.jsonl`.\n")
    body = []
    groups = group(runs, "strategy", "nodes", "ranks_per_node")
    for (s, n, rpn), rs in sorted(groups.items(), key=lambda kv: (order_key(kv[0][0]), int(kv[0][1]), int(kv[0][2]))):
        body.append([s, n, rpn, cell([num(r["rows_per_s"]) for r in rs]),
                     " / ".join(sorted({r.get("model_copies_by_node", "") for r in rs})),
                     " / ".join(sorted({r.get("node_pss_by_node_mb", "") for r in rs})),
                     cell([num(r.get("pss_total_mb")) for r in rs], 1),
                     ", ".join(sorted({r["checksum"] for r in rs}))])
    out.append(table(["strategy", "nodes", "ranks per node", "records/s", "model copies by node",
                      "node PSS MB by node", "total PSS MB", "checksum"], body) + "\n")
