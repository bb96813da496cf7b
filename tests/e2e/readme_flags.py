#!/usr/bin/env python3
"""README.md's flag tables against each command's --help, both ways.

For every command `sharebench --help` lists (but internal ones), README.md must have a section
"#### `sharebench CMD`" with a table of its flags (or "No flags."), and:
  - every flag in the command's --help (usage line and option lines) is in the table, and
    every flag in the table is in --help;
  - "required" in the table's default column if and only if --help's usage line shows the flag
    outside [brackets];
  - the default the table states is the one --help states as "(default X)", "(default: X)" or
    "; default X" (up to ';', ')' or the end of the description; a machine's own count or path
    after a comma, as in "online CPUs, 2", is left out), and "—" exactly when --help states
    none.
Every mismatch is printed as one line naming the command, the flag and what differs.

usage: readme_flags.py SHAREBENCH README.md
"""
import re
import subprocess
import sys

NONE = "—"


def help_of(sharebench, command):
    p = subprocess.run([sharebench] + ([command] if command else []) + ["--help"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    if p.returncode != 0:
        raise SystemExit("sharebench %s --help: exit %d: %s" % (command, p.returncode, p.stderr))
    return p.stdout


def commands(sharebench):
    """The commands `sharebench --help` lists, internal ones left out."""
    text = help_of(sharebench, None)
    block = text.split("commands:", 1)[1].split("\n\n", 1)[0]
    found = []
    for line in block.splitlines():
        m = re.match(r"\s+([a-z][a-z-]*)\s+(.*)", line)
        if m and "(internal)" not in m.group(2):
            found.append(m.group(1))
    return found


def default_in(description):
    m = re.search(r"(?:\(default:?|; default:?)\s+(.*?)\s*(?:[;)]|$)", description)
    if not m:
        return NONE
    value = re.sub(r"\s+", " ", m.group(1)).strip()
    # "online CPUs, 2", "those of the source tree ..., /home/...": the count or the path after
    # the comma is this machine's.
    return re.sub(r", (\d+|/\S*)$", "", value)


def parse_help(text):
    """{flag: {"required": bool, "default": str}} from one command's --help."""
    usage, _, rest = text.partition("\n\n")
    # Flags outside [...] in the usage line are required.
    outside = re.sub(r"\[[^\]]*\]", " ", usage)
    required = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", outside))
    flags = {f: {"required": f in required, "default": NONE}
             for f in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", usage)}
    # Option lines: two spaces, the flag, its value; continuation lines are indented deeper.
    current, descriptions = None, {}
    for line in rest.splitlines():
        m = re.match(r"  (--[a-z][a-z-]*)\b(.*)", line)
        if m:
            current = m.group(1)
            descriptions[current] = m.group(2)
        elif current and re.match(r"\s{3,}\S", line):
            descriptions[current] += " " + line.strip()
        else:
            current = None
    for flag, description in descriptions.items():
        entry = flags.setdefault(flag, {"required": flag in required, "default": NONE})
        entry["default"] = default_in(description)
    flags.pop("--help", None)
    return flags


def parse_readme(text):
    """{command: {flag: default}} from README's "#### `sharebench CMD`" sections."""
    tables = {}
    for m in re.finditer(r"^#### `sharebench ([a-z-]+)`\n(.*?)(?=^#|\Z)", text, re.M | re.S):
        rows = {}
        for line in m.group(2).splitlines():
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if len(cells) < 2 or not cells[0].startswith("`--"):
                continue
            flag = re.match(r"`(--[a-z][a-z-]*)", cells[0]).group(1)
            rows[flag] = cells[1]
        tables[m.group(1)] = rows
    return tables


def main():
    sharebench, readme = sys.argv[1], sys.argv[2]
    tables = parse_readme(open(readme, encoding="utf-8").read())
    problems = []
    for command in commands(sharebench):
        helped = parse_help(help_of(sharebench, command))
        if command not in tables:
            problems.append("README.md has no flag table for 'sharebench %s' (add a section "
                            "\"#### `sharebench %s`\"; its --help lists: %s)"
                            % (command, command, " ".join(sorted(helped)) or "no flags"))
            continue
        table = tables[command]
        for flag in sorted(set(helped) - set(table)):
            problems.append("sharebench %s: %s is in --help but not in README.md's table"
                            % (command, flag))
        for flag in sorted(set(table) - set(helped)):
            problems.append("sharebench %s: %s is in README.md's table but not in --help"
                            % (command, flag))
        for flag in sorted(set(table) & set(helped)):
            said, h = table[flag], helped[flag]
            if h["required"] or said == "required":
                if not (h["required"] and said == "required"):
                    problems.append("sharebench %s %s: README.md says '%s', --help's usage line "
                                    "shows it as %s" % (command, flag, said,
                                                        "required" if h["required"] else
                                                        "optional"))
            elif said != h["default"]:
                problems.append("sharebench %s %s: README.md's default is '%s', --help's is '%s'"
                                % (command, flag, said, h["default"]))
    for command in sorted(set(tables) - set(commands(sharebench))):
        problems.append("README.md has a flag table for 'sharebench %s', which --help does not "
                        "list as a command" % command)
    for p in problems:
        print("FAIL: " + p, file=sys.stderr)
    checked = sum(len(t) for t in tables.values())
    print("%d flags in %d tables checked, %d mismatches" % (checked, len(tables), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
