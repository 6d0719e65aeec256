#!/usr/bin/env python3
"""Folds `perf script` output into call stacks and renders them as a flame graph SVG.

    perf script -i perf.data | scripts/flamegraph.py --root replay --title T > flame.svg

Reads the text `perf script` prints for a `perf record --call-graph=fp` session:
one block per sample, a header line, then one frame per line, innermost first.
--root NAME keeps only samples whose stack contains a frame whose symbol contains
NAME and cuts everything above it, so the graph shows only that part of the run.
--folded writes the folded stacks ("a;b;c COUNT" lines) instead of the SVG.
--inline BINARY expands the frames inside BINARY into their inlined call chains
with `addr2line -i` (binutils), which matters for an LTO build where most of the
engine is inlined into a few functions; the build must carry debug info (-g).
Self-contained: no third-party modules.
"""
import argparse
import collections
import html
import re
import subprocess
import sys
import zlib

FRAME = re.compile(r"^\s*([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$")


def inline_chains(binary, addrs):
    """addr -> [outermost .. innermost] function names, via one addr2line run."""
    if not addrs:
        return {}
    out = subprocess.run(["addr2line", "-a", "-f", "-i", "-C", "-e", binary] + ["%x" % a for a in addrs],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    chains, cur, key, i = {}, [], None, 0
    while i < len(out):
        line = out[i]
        if line.startswith("0x"):
            if key is not None:
                chains[key] = list(reversed(cur))
            key, cur = int(line, 16), []
            i += 1
            continue
        cur.append(line)  # function name; the next line is file:line
        i += 2
    if key is not None:
        chains[key] = list(reversed(cur))
    return chains


def read_stacks(lines, root, binary=None):
    samples = []
    frames = []

    def flush():
        if frames:
            samples.append(list(frames))
        frames.clear()

    for line in lines:
        if not line.strip():
            flush()
            continue
        if not line[0].isspace():
            flush()  # a sample header
            continue
        m = FRAME.match(line)
        if not m:
            continue
        frames.append((int(m.group(1), 16), m.group(2), m.group(3)))
    flush()

    chains = {}
    if binary:
        wanted = set()
        for sample in samples:
            for depth, (addr, _, dso) in enumerate(sample):
                if dso == binary or dso.endswith("/" + binary.rsplit("/", 1)[-1]):
                    wanted.add(addr if depth == 0 else addr - 1)  # return address -> call site
        chains = inline_chains(binary, sorted(wanted))

    stacks = collections.Counter()
    for sample in samples:
        names = []
        for depth, (addr, sym, dso) in enumerate(sample):  # innermost first
            chain = chains.get(addr if depth == 0 else addr - 1)
            if chain and chain[0] != "??":
                names.extend(simplify(n) for n in reversed(chain))
                continue
            if sym == "[unknown]":
                sym = "[" + dso.rsplit("/", 1)[-1] + "]"
            names.append(simplify(re.sub(r"\+0x[0-9a-f]+$", "", sym)))
        chain = list(reversed(names))
        if root is not None:
            at = next((i for i, f in enumerate(chain) if root in f), None)
            if at is None:
                continue
            chain = chain[at:]
        stacks[";".join(chain)] += 1
    return stacks


def simplify(sym):
    """Shortens C++ names: drops argument lists, template arguments, clones, return types."""
    sym = re.sub(r" \[clone [^\]]*\]", "", sym).replace("(anonymous namespace)::", "")
    out, depth = [], 0
    for ch in sym:
        if ch in "<(":
            depth += 1
            if depth == 1:
                out.append("<>" if ch == "<" else "()")
            continue
        if ch in ">)":
            depth = max(0, depth - 1)
            continue
        if depth == 0:
            out.append(ch)
    s = "".join(out).replace("()", "").replace("<>", "")
    s = re.sub(r" const$", "", s)
    return s.rsplit(" ", 1)[-1] if not s.startswith("[") else s


def build_tree(stacks):
    tree = {"name": "all", "count": 0, "children": {}}
    for stack, n in stacks.items():
        tree["count"] += n
        node = tree
        for f in stack.split(";"):
            node = node["children"].setdefault(f, {"name": f, "count": 0, "children": {}})
            node["count"] += n
    return tree


def color(name):
    h = zlib.crc32(name.encode())
    if "rialto::engine" in name:
        return "rgb(%d,%d,%d)" % (220 + h % 35, 110 + (h >> 8) % 70, 40 + (h >> 16) % 40)
    if name.startswith("[") or "kernel" in name:
        return "rgb(%d,%d,%d)" % (120 + h % 40, 150 + (h >> 8) % 50, 200 + (h >> 16) % 50)
    return "rgb(%d,%d,%d)" % (200 + h % 50, 170 + (h >> 8) % 60, 60 + (h >> 16) % 50)


def render(tree, title, width=1200, row=17):
    total = max(tree["count"], 1)

    def depth(node):
        return 1 + max((depth(c) for c in node["children"].values()), default=0)

    rows = depth(tree)
    height = rows * row + 50
    out = [
        '<?xml version="1.0" standalone="no"?>',
        '<svg version="1.1" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">' % (width, height),
        '<rect x="0" y="0" width="%d" height="%d" fill="#fdfdf6"/>' % (width, height),
        '<text x="%d" y="20" font-family="sans-serif" font-size="15" text-anchor="middle">%s</text>'
        % (width // 2, html.escape(title)),
        '<g font-family="monospace" font-size="11">',
    ]
    scale = (width - 20) / total

    def walk(node, x, level):
        w = node["count"] * scale
        if w < 0.3:
            return
        y = height - 10 - (level + 1) * row
        pct = 100.0 * node["count"] / total
        label = "%s (%d samples, %.2f%%)" % (node["name"], node["count"], pct)
        out.append("<g><title>%s</title>" % html.escape(label))
        out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" rx="2"/>'
                   % (x, y, w, row - 1, color(node["name"])))
        chars = int((w - 4) / 6.6)
        if chars >= 3:
            short = re.sub(r"^(rialto::)((engine|bench)::)?(detail::)?", "", node["name"])
            text = short if len(short) <= chars else short[: chars - 2] + ".."
            out.append('<text x="%.1f" y="%d">%s</text>' % (x + 3, y + row - 5, html.escape(text)))
        out.append("</g>")
        cx = x
        for child in sorted(node["children"].values(), key=lambda c: c["name"]):
            walk(child, cx, level + 1)
            cx += child["count"] * scale

    walk(tree, 10, 0)
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", help="keep only stacks through a frame containing this text, rooted there")
    ap.add_argument("--title", default="flame graph")
    ap.add_argument("--folded", action="store_true", help="print folded stacks instead of SVG")
    ap.add_argument("--inline", metavar="BINARY", help="expand inlined frames of BINARY with addr2line -i")
    args = ap.parse_args()
    stacks = read_stacks(sys.stdin, args.root, args.inline)
    if not stacks:
        sys.exit("flamegraph.py: no samples%s" % (" through " + args.root if args.root else ""))
    if args.folded:
        for stack, n in sorted(stacks.items()):
            print(stack, n)
        return
    sys.stdout.write(render(build_tree(stacks), args.title))


if __name__ == "__main__":
    main()
