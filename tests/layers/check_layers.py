#!/usr/bin/env python3
"""Check that every part of harness/ and strategies/ uses only the parts below it.

The order is written once, in harness/README.md, as the indented block under the heading
"## The order of the parts": one line per level, top first; parts on one line are peers and do
not use each other. A part is a folder of harness/ (run, pool, ...) or the whole of
strategies/ (its subfolders included). Every `#include "NAME"` of every file of those parts is
resolved by file name (every part's folder is on the include path, so names are unique) and
must name a file of the same part or of a part on a lower line. Each include that points up the
order, or across to a peer, or at a header no part holds, is printed as FILE:LINE with both
parts; exit 1 if there is any, else the levels and the count of includes checked, exit 0.

usage: check_layers.py SOURCE_DIR
"""
import os
import re
import sys

HEADING = "## The order of the parts"
SOURCES = (".c", ".h", ".cc", ".def")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def read_order(readme):
    """The levels of the README's block, top first: a list of lists of part names."""
    with open(readme, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if HEADING not in lines:
        sys.exit(f"{readme}: no '{HEADING}' heading: the order of the parts is written there")
    levels = []
    for line in lines[lines.index(HEADING) + 1:]:
        if line.startswith("#"):
            break
        if line.startswith("    ") and line.strip():
            levels.append(line.split())
        elif levels and line.strip():
            break
    if not levels:
        sys.exit(f"{readme}: no indented block of parts under '{HEADING}'")
    return levels


def part_of(rel):
    """The part a file belongs to: strategies, or the harness folder it is in."""
    top = rel.split("/")
    if top[0] == "strategies":
        return "strategies"
    return top[1] if len(top) > 2 else None


def source_files(root):
    for top in ("harness", "strategies"):
        for d, _, names in os.walk(os.path.join(root, top)):
            for n in sorted(names):
                if n.endswith(SOURCES):
                    path = os.path.join(d, n)
                    yield os.path.relpath(path, root)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    levels = read_order(os.path.join(root, "harness", "README.md"))
    rank = {part: i for i, level in enumerate(levels) for part in level}
    files = [f for f in source_files(root) if part_of(f)]
    owner = {}
    for f in files:
        owner.setdefault(os.path.basename(f), []).append(f)
    problems = []
    for f in files:
        if part_of(f) not in rank:
            problems.append(f"{f}: its part '{part_of(f)}' is not in harness/README.md's order")
    checked = 0
    for f in files:
        mine = part_of(f)
        with open(os.path.join(root, f), encoding="utf-8") as src:
            for number, line in enumerate(src, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                checked += 1
                name = os.path.basename(m.group(1))
                where = f"{f}:{number}: #include \"{m.group(1)}\""
                if len(owner.get(name, [])) != 1:
                    held = " and ".join(owner.get(name, [])) or "no part"
                    problems.append(f"{where}: held by {held}, not by exactly one part")
                    continue
                theirs = part_of(owner[name][0])
                if theirs == mine or mine not in rank or theirs not in rank:
                    continue
                if rank[theirs] == rank[mine]:
                    problems.append(f"{where}: {mine} uses {theirs}, its peer")
                elif rank[theirs] < rank[mine]:
                    problems.append(f"{where}: {mine} uses {theirs}, a part above it")
    for p in problems:
        print(p)
    order = " > ".join("/".join(level) for level in levels)
    if problems:
        print(f"{len(problems)} of {checked} includes break the order {order}")
        return 1
    print(f"{checked} includes in {len(files)} files follow the order {order}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
