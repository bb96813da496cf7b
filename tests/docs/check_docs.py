#!/usr/bin/env python3
"""Check that the documents under docs/ still describe the code: every file they name exists,
every relative link resolves, and every line range they cite still holds what they say.

The forms checked, in any docs/**/*.md:
  `PATH`                          PATH exists (a path under a top-level folder of the repository)
  `PATH:A-B` `TEXT`               lines A..B exist, and TEXT is on one of them; where TEXT
                                  names something PATH defines (a function, `struct X {`),
                                  the definition is on them too, to its closing brace: a
                                  range that has slid off its function fails even where the
                                  name is still used
  | `PATH` | lines A-B (`TEXT`)   the same, in a table row
  `PATH` (`SYM`, `SYM2`)          each SYM occurs in PATH
  | `PATH` | whole file (N lines) the file has N lines
  [text](relative/link)           the link's target exists

usage: check_docs.py SOURCE_DIR
"""
import os
import re
import sys

TOP = ("harness/", "strategies/", "tests/", "docs/", "plots/", "scripts/", "datasets/", "cmake/")
ROOT_FILES = ("README.md", "REPORT.md", "LICENSE", "CMakeLists.txt", "CMakePresets.json")

failures = []


def fail(doc, line_no, message):
    failures.append(f"{doc}:{line_no}: {message}")


def is_repo_path(token):
    """A path in the repository; placeholders (strategies/NAME.c, tests/e2e/*.sh) are not."""
    if "NAME" in token or "*" in token:
        return False
    return token.startswith(TOP) or token in ROOT_FILES


def read_lines(root, path):
    with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
        return f.read().split("\n")


def check_range(root, doc, n, path, first, last, text):
    target = os.path.join(root, path)
    if not os.path.isfile(target):
        return fail(doc, n, f"{path} does not exist")
    lines = read_lines(root, path)
    if not 1 <= first <= last <= len(lines):
        return fail(doc, n, f"{path}:{first}-{last}: the file has {len(lines)} lines")
    if text and not any(text in line for line in lines[first - 1:last]):
        return fail(doc, n, f"{path}:{first}-{last}: '{text}' is not on these lines")
    defined = definitions(lines, text) if text else []
    inside = [d for d in defined if first <= d <= last]
    if defined and not inside:
        return fail(doc, n, f"{path}:{first}-{last}: '{text}' is defined at line "
                    f"{', '.join(map(str, defined))}, outside these lines")
    ends = [closing_brace(lines, d) for d in inside]
    if ends and not any(end <= last for end in ends):
        fail(doc, n, f"{path}:{first}-{last}: '{text}' ends at line {ends[0]}, after these lines")


def closing_brace(lines, start):
    """The line (1-based) of the '}' at column 0 that closes the definition at start."""
    for i in range(start, len(lines) + 1):
        if lines[i - 1].startswith("}"):
            return i
    return len(lines)


def definitions(lines, text):
    """The lines (1-based) where a C file defines text: a function whose name and '(' start a
    line's declarator at column 0, or 'struct text {'; none if text is not an identifier."""
    if text.startswith("struct ") and text.endswith("{"):
        return [i for i, line in enumerate(lines, 1) if line.startswith(text)]
    if not re.fullmatch(r"[A-Za-z_]\w*", text):
        return []
    function = re.compile(r"^[A-Za-z_][\w\s*]*\b" + re.escape(text) + r"\(")
    return [i for i, line in enumerate(lines, 1)
            if function.match(line) and not line.rstrip().endswith(";")]


def check_symbols(root, doc, n, path, symbols):
    body = "\n".join(read_lines(root, path))
    for sym in symbols:
        if sym not in body:
            fail(doc, n, f"{path}: '{sym}' does not occur in it")


RANGE = re.compile(r"`([\w./-]+):(\d+)-(\d+)`(?:\s+`([^`]+)`)?")
ROW_RANGE = re.compile(r"\|\s*`([\w./-]+)`\s*\|\s*lines (\d+)-(\d+)(?: \(`([^`]+)`\))?")
PATH_SYMS = re.compile(r"`([\w./-]+)`\s+\(((?:`[^`]+`(?:,\s*)?)+)")
WHOLE = re.compile(r"\|\s*`([\w./-]+)`\s*\|\s*whole file \((\d+) lines\)")
TOKEN = re.compile(r"`([^`\s]+)`")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def check_doc(root, doc):
    rel_dir = os.path.dirname(doc)
    for n, line in enumerate(read_lines(root, doc), 1):
        for m in list(RANGE.finditer(line)) + list(ROW_RANGE.finditer(line)):
            check_range(root, doc, n, m.group(1), int(m.group(2)), int(m.group(3)), m.group(4))
        for m in PATH_SYMS.finditer(line):
            if is_repo_path(m.group(1)) and os.path.isfile(os.path.join(root, m.group(1))):
                check_symbols(root, doc, n, m.group(1), re.findall(r"`([^`]+)`", m.group(2)))
        for m in WHOLE.finditer(line):
            path, want = m.group(1), int(m.group(2))
            if os.path.isfile(os.path.join(root, path)):
                got = len(read_lines(root, path)) - 1  # the text after the last newline is empty
                if got != want:
                    fail(doc, n, f"{path}: whole file of {want} lines, but it has {got}")
        for m in TOKEN.finditer(line):
            token = m.group(1).split(":")[0].rstrip(".,")
            if is_repo_path(token) and not os.path.exists(os.path.join(root, token.rstrip("/"))):
                fail(doc, n, f"{token} does not exist")
        for m in LINK.finditer(line):
            target = m.group(1)
            if "://" in target:
                continue
            if not os.path.exists(os.path.normpath(os.path.join(root, rel_dir, target))):
                fail(doc, n, f"link to {target}: no such file")


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    root = sys.argv[1]
    docs = []
    for d, _, files in os.walk(os.path.join(root, "docs")):
        docs += [os.path.relpath(os.path.join(d, f), root) for f in files if f.endswith(".md")]
    if not docs:
        print(f"no documents under {root}/docs", file=sys.stderr)
        return 1
    for doc in sorted(docs):
        check_doc(root, doc)
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    print(f"{len(docs)} documents checked, {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
