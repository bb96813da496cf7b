#!/usr/bin/env python3
"""Check that the documents under docs/ still describe the code: every file they name exists,
every relative link resolves, and every line range they cite still holds what they say.

The forms checked, in any docs/**/*.md:
  `PATH`                          PATH exists (a path under a top-level folder of the repository)
  `PATH:A-B` `TEXT`               lines A..B exist, and TEXT is on one of them; where TEXT
                                  names something PATH defines (a function, `struct X {`),
                                  the definition is on them too, to its closing brace: a
                                  range that has slid off its function fails even where the
                                  name is still used. Nor may the range hold much more than
                                  what it names: at most SLACK non-blank lines beyond the
                                  named definitions and the comments just above them
  | `PATH` | lines A-B (`TEXT`)   the same, in a table row; (`TEXT`, `TEXT2`) names several
                                  definitions the range holds together
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

# Lines a range may hold beyond the definitions it names (blank lines not counted): room for a
# declaration or a short comment between them, not for a function the reader is not told of.
SLACK = 8

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


def check_range(root, doc, n, path, first, last, texts):
    target = os.path.join(root, path)
    if not os.path.isfile(target):
        return fail(doc, n, f"{path} does not exist")
    lines = read_lines(root, path)
    if not 1 <= first <= last <= len(lines):
        return fail(doc, n, f"{path}:{first}-{last}: the file has {len(lines)} lines")
    spans = []
    for text in texts:
        span = check_named(doc, n, lines, path, first, last, text)
        if span is None:
            return
        spans += span
    if spans:
        check_tight(doc, n, lines, path, first, last, texts, spans)


def check_named(doc, n, lines, path, first, last, text):
    """The spans (first, last line) of text's definitions inside first..last, [] if text is not
    a definition there, None after a failure."""
    if not any(text in line for line in lines[first - 1:last]):
        return fail(doc, n, f"{path}:{first}-{last}: '{text}' is not on these lines")
    defined = definitions(lines, text)
    inside = [d for d in defined if first <= d <= last]
    if defined and not inside:
        return fail(doc, n, f"{path}:{first}-{last}: '{text}' is defined at line "
                    f"{', '.join(map(str, defined))}, outside these lines")
    spans = [(leading_comment(lines, d), closing_brace(lines, d)) for d in inside]
    if spans and not any(end <= last for _, end in spans):
        return fail(doc, n, f"{path}:{first}-{last}: '{text}' ends at line {spans[0][1]}, "
                    "after these lines")
    return spans


def check_tight(doc, n, lines, path, first, last, texts, spans):
    """Fail a range that holds much more than the definitions it names."""
    covered = set()
    for start, end in spans:
        covered.update(range(start, end + 1))
    extra = [i for i in range(first, last + 1) if i not in covered and lines[i - 1].strip()]
    if len(extra) > SLACK:
        named = ", ".join(f"'{t}'" for t in texts)
        where = ", ".join(f"{a}-{b}" for a, b in sorted(set(spans)))
        fail(doc, n, f"{path}:{first}-{last}: {len(extra)} lines beyond {named} (lines {where}"
             f" with its comment): cite what it names, or name what else the range holds")


def leading_comment(lines, start):
    """The first line (1-based) of the comment just above the definition at start, or start."""
    i = start - 1
    while i >= 1 and is_comment(lines[i - 1]):
        i -= 1
    return i + 1


def is_comment(line):
    text = line.strip()
    return text.startswith(("/*", "*", "//")) or (text.endswith("*/") and bool(text))


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
ROW_RANGE = re.compile(r"\|\s*`([\w./-]+)`\s*\|\s*lines (\d+)-(\d+)(?: \(((?:`[^`]+`(?:,\s*)?)+)\))?")
PATH_SYMS = re.compile(r"`([\w./-]+)`\s+\(((?:`[^`]+`(?:,\s*)?)+)")
WHOLE = re.compile(r"\|\s*`([\w./-]+)`\s*\|\s*whole file \((\d+) lines\)")
TOKEN = re.compile(r"`([^`\s]+)`")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def check_doc(root, doc):
    rel_dir = os.path.dirname(doc)
    for n, line in enumerate(read_lines(root, doc), 1):
        for m in list(RANGE.finditer(line)) + list(ROW_RANGE.finditer(line)):
            texts = re.findall(r"`([^`]+)`", m.group(4)) if m.group(4) else []
            check_range(root, doc, n, m.group(1), int(m.group(2)), int(m.group(3)), texts)
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
    return verdict(failures, f"{len(docs)} documents")


def verdict(found, checked):
    """Print each failure and a summary line; the exit status (check_figures.py shares it)."""
    for f in found:
        print("FAIL:", f, file=sys.stderr)
    print(f"{checked} checked, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
