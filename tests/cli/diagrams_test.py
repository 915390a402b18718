"""The committed diagrams (docs/bundles/*.svg, *.mmd) are those of the bundles as they stand.

Re-renders every bundle with `yishi graph` into a temporary folder and compares:
- the Mermaid files byte for byte;
- the SVG files by their content (node and edge titles, and every text shown, in order),
  not by coordinates, so that a different font hinting does not fail the test.
Run scripts/render-diagrams.sh to update the committed files.

usage: diagrams_test.py YISHI ROOT
"""
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def content(path):
    tree = ET.parse(path)
    out = []
    for el in tree.iter():
        if el.tag in (SVG + "title", SVG + "text"):
            out.append((el.tag.replace(SVG, ""), (el.text or "").strip()))
    return out


def main():
    yishi, root = sys.argv[1], sys.argv[2]
    committed = os.path.join(root, "docs", "bundles")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for folder in ("bundles/national", "bundles/local"):
            path = os.path.join(root, folder)
            if not os.path.isdir(path):
                continue
            for fmt in ("--svg", "--mermaid"):
                subprocess.run([yishi, "graph", fmt, "--out", tmp, path], check=True, capture_output=True)
        fresh = sorted(os.listdir(tmp))
        have = sorted(f for f in os.listdir(committed) if f.endswith((".svg", ".mmd")))
        if fresh != have:
            failures.append(f"files differ: rendered {fresh}, committed {have}")
        for name in fresh:
            mine, theirs = os.path.join(tmp, name), os.path.join(committed, name)
            if not os.path.exists(theirs):
                continue
            if name.endswith(".mmd"):
                if open(mine, encoding="utf-8").read() != open(theirs, encoding="utf-8").read():
                    failures.append(f"{name}: Mermaid differs")
            elif content(mine) != content(theirs):
                failures.append(f"{name}: SVG content differs")
        rendered = len(fresh)
    if failures:
        print("\n".join(failures))
        print("run scripts/render-diagrams.sh to update docs/bundles/")
        return 1
    if rendered < 26:  # 13 national bundles, SVG and Mermaid each
        print(f"only {rendered} diagrams rendered")
        return 1
    print(f"ok: {rendered} diagrams up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
