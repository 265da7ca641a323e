"""The check behind scripts/check-doc-comments: public symbols without a doc comment.

stdin: `swift package dump-package` (JSON); argv: the symbol-graph folder, the package
root, the file of pending folders. Exit status 1 when a declaration outside the pending
folders has no doc comment.
"""
import glob
import json
import os
import sys
from collections import defaultdict
from urllib.parse import unquote, urlparse

graphs, root, pending_file = sys.argv[1:4]
package = json.load(sys.stdin)
modules = sorted({t for p in package["products"] if "library" in p["type"] for t in p["targets"]})
pending = []
if os.path.exists(pending_file):
    with open(pending_file) as f:
        pending = [l.strip().rstrip("/") for l in f if l.strip() and not l.startswith("#")]

missing = defaultdict(list)  # path -> [(line, kind, title)]
total = 0
for module in modules:
    files = glob.glob(os.path.join(graphs, f"{module}.symbols.json")) + \
        glob.glob(os.path.join(graphs, f"{module}@*.symbols.json"))
    if not files:
        sys.exit(f"error: no symbol graph for module {module} in {graphs}")
    for path in files:
        with open(path) as f:
            graph = json.load(f)
        for symbol in graph["symbols"]:
            if symbol.get("accessLevel") not in ("public", "open"):
                continue
            location = symbol.get("location")
            if not location:
                continue  # synthesized by the compiler: nothing to write a comment on
            source = os.path.relpath(unquote(urlparse(location["uri"]).path), root)
            if not source.startswith("Sources/"):
                continue
            total += 1
            if not symbol.get("docComment", {}).get("lines"):
                line = location["position"]["line"] + 1
                missing[source].append((line, symbol["kind"]["displayName"], symbol["names"]["title"]))

def is_pending(path):
    return any(path == p or path.startswith(p + "/") for p in pending)

failing = 0
reported = 0
for path in sorted(missing):
    for line, kind, title in sorted(missing[path]):
        marker = "pending" if is_pending(path) else "missing"
        print(f"{path}:{line}: {marker}: {kind.lower()} {title}")
        if is_pending(path):
            reported += 1
        else:
            failing += 1
for folder in pending:
    if not any(is_pending(path) and path.startswith(folder) for path in missing):
        print(f"note: {folder} has no declaration left without a doc comment; "
              f"remove it from {os.path.basename(pending_file)}")
print(f"doc comments: {total} public declarations in {', '.join(modules)}; "
      f"{failing} missing, {reported} pending (listed in {os.path.basename(pending_file)})")
if failing:
    print("error: every public declaration needs a doc comment (///)", file=sys.stderr)
    sys.exit(1)
