#!/usr/bin/env python3
"""run_example.py EXE EXPECT: run a doc example and compare its standard output.

The contract of the expect file is in scripts/extract_examples.py: line for
line equal, `{...}` in an expect line matches any text. Exits 0 on a match;
otherwise prints both texts with the first differing line marked and exits 1.
A program that exits non-zero fails whatever it printed. Standard error
passes through (ctest shows it). ctest's TIMEOUT bounds the run.
"""

import re
import subprocess
import sys


def pattern(line):
    return re.compile("^" + ".*".join(re.escape(part) for part in line.split("{...}")) + "$")


def main():
    if len(sys.argv) != 3:
        print("usage: run_example.py EXE EXPECT", file=sys.stderr)
        return 2
    exe, expect_path = sys.argv[1], sys.argv[2]
    run = subprocess.run([exe], stdout=subprocess.PIPE, check=False)
    out = run.stdout.decode("utf-8", "replace")
    sys.stdout.write(out)
    if run.returncode != 0:
        print(f"run_example.py: {exe} exited with status {run.returncode}", file=sys.stderr)
        return 1
    with open(expect_path, encoding="utf-8") as f:
        expected = f.read().rstrip("\n").split("\n")
    got = out.rstrip("\n").split("\n")
    for i in range(max(len(expected), len(got))):
        e = expected[i] if i < len(expected) else None
        g = got[i] if i < len(got) else None
        if e is None or g is None or not pattern(e).match(g):
            print(f"run_example.py: output line {i + 1} differs from {expect_path}", file=sys.stderr)
            print(f"  expected: {e!r}\n  got:      {g!r}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
