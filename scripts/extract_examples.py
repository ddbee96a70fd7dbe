#!/usr/bin/env python3
"""extract_examples.py: pull the runnable examples out of grove's markdown docs.

Contract (tests/docs/CMakeLists.txt runs this at configure time; a failure
is a configure error, so a malformed example can never be skipped quietly):

* An example is a fenced block whose info string is
      ```cpp example=NAME [link=TARGET,TARGET...] [gtest]
  NAME is [a-z0-9_]+ and unique across every document given. The block is
  written to OUT/NAME.cpp, preceded by a #line directive, so a compile error
  names the markdown file and line.
* A plain example is a complete program: it must define `int main(`. With
  `gtest` it is a GoogleTest file instead (it must hold a TEST or TEST_F and
  must not define main; it is linked with GTest::gtest_main).
* link= lists the CMake targets it links (default grove::grove).
* An example may be followed by one fenced block with the info string
      ```text expect
  (only prose, no other fence, in between). That is the program's expected
  standard output, line for line: the run fails unless every output line
  matches the expect line at the same place and the counts are equal. In an
  expect line `{...}` stands for any text (timestamps, timings).
* A `text expect` block with no example right before it, an example with no
  main (or a gtest example with none of TEST/TEST_F), a duplicate or bad
  NAME, an unknown attribute and an unclosed fence are errors: this script
  prints `FILE:LINE: error: ...` for each and exits with status 1.
* The manifest (--manifest FILE) is a CMake script with one call per example:
      grove_doc_example(NAME <name> SOURCE <cpp> DOC <md> LINK <targets...>
                        [EXPECT <file>] [GTEST])
  Files are only rewritten when their content changes, so re-running does
  not rebuild the examples.
"""

import argparse
import os
import re
import sys

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*(.*)$")
NAME = re.compile(r"^[a-z0-9_]+$")
KNOWN = {"example", "link", "gtest"}


class Example:
    def __init__(self, doc, line, name, link, gtest, code):
        self.doc, self.line, self.name = doc, line, name
        self.link, self.gtest, self.code = link, gtest, code
        self.expect = None


def blocks(path, lines):
    """Yields (start_line, info, body_lines) for every fenced block."""
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            yield (i + 1, None, lines[i])
            i += 1
            continue
        fence, info, start = m.group(2), m.group(3).strip(), i
        body = []
        i += 1
        while i < len(lines):
            c = FENCE.match(lines[i])
            if c and c.group(2).startswith(fence[0] * len(fence)) and not c.group(3).strip():
                break
            body.append(lines[i])
            i += 1
        else:
            raise SyntaxError(f"{path}:{start + 1}: error: the fence opened here is never closed")
        yield (start + 1, info, body)
        i += 1


def parse(path, errors):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    examples, last = [], None  # last: the example an expect block may follow
    try:
        for line, info, body in blocks(path, lines):
            if info is None:
                continue  # prose between blocks keeps `last`
            words = info.split()
            if words[:2] == ["text", "expect"]:
                if last is None:
                    errors.append(f"{path}:{line}: error: a `text expect` block must follow a ```cpp example=NAME block")
                elif last.expect is not None:
                    errors.append(f"{path}:{line}: error: example '{last.name}' already has an expect block")
                else:
                    last.expect = body
                last = None
                continue
            last = None
            if not words or words[0] != "cpp" or not any(w.startswith("example=") for w in words[1:]):
                continue
            attrs = {}
            for w in words[1:]:
                key, _, value = w.partition("=")
                if key not in KNOWN:
                    errors.append(f"{path}:{line}: error: unknown example attribute '{w}' (known: example=, link=, gtest)")
                attrs[key] = value
            name = attrs.get("example", "")
            if not NAME.match(name):
                errors.append(f"{path}:{line}: error: example name '{name}' must match [a-z0-9_]+")
                continue
            link = [t for t in attrs.get("link", "grove::grove").split(",") if t]
            ex = Example(path, line, name, link, "gtest" in attrs, body)
            code = "\n".join(body)
            has_main = re.search(r"\bint\s+main\s*\(", code) is not None
            if ex.gtest:
                if has_main:
                    errors.append(f"{path}:{line}: error: gtest example '{name}' defines main(); gtest_main provides it")
                if not re.search(r"\bTEST(_F)?\s*\(", code):
                    errors.append(f"{path}:{line}: error: gtest example '{name}' holds no TEST or TEST_F")
            elif not has_main:
                errors.append(f"{path}:{line}: error: example '{name}' has no `int main(`; "
                              "an example must be a complete program (or be marked gtest)")
            examples.append(ex)
            last = ex
    except SyntaxError as e:
        errors.append(str(e))
    return examples


def write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def cmake_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace(";", "\\;") + '"'


def main():
    ap = argparse.ArgumentParser(description="Extract runnable examples from markdown (see the module docstring).")
    ap.add_argument("--out", required=True, help="directory for NAME.cpp and NAME.expect")
    ap.add_argument("--manifest", required=True, help="CMake file to write")
    ap.add_argument("docs", nargs="+")
    args = ap.parse_args()

    errors, examples, seen = [], [], {}
    for doc in args.docs:
        for ex in parse(doc, errors):
            if ex.name in seen:
                errors.append(f"{doc}:{ex.line}: error: example name '{ex.name}' is already used at {seen[ex.name]}")
                continue
            seen[ex.name] = f"{doc}:{ex.line}"
            examples.append(ex)
    if errors:
        for e in errors:
            print(e, file=sys.stderr)
        print(f"extract_examples.py: {len(errors)} error(s); no example extracted", file=sys.stderr)
        return 1

    os.makedirs(args.out, exist_ok=True)
    calls = ["# Generated by scripts/extract_examples.py: do not edit."]
    for ex in examples:
        doc = os.path.abspath(ex.doc)
        source = os.path.join(args.out, ex.name + ".cpp")
        write_if_changed(source, f'#line {ex.line + 1} "{doc}"\n' + "\n".join(ex.code) + "\n")
        call = [f"grove_doc_example(NAME {ex.name} SOURCE {cmake_quote(source)} DOC {cmake_quote(doc)}",
                "LINK " + " ".join(ex.link)]
        if ex.expect is not None:
            expect = os.path.join(args.out, ex.name + ".expect")
            write_if_changed(expect, "\n".join(ex.expect) + "\n")
            call.append(f"EXPECT {cmake_quote(expect)}")
        if ex.gtest:
            call.append("GTEST")
        calls.append(" ".join(call) + ")")
    write_if_changed(args.manifest, "\n".join(calls) + "\n")
    print(f"extract_examples.py: {len(examples)} example(s) from {len(args.docs)} document(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
