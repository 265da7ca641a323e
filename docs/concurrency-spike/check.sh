#!/bin/bash
# Usage: ./check.sh <package-dir> [snippet-glob]
# Type-checks each snippets/*.swift of a package against its built `Loop` module (swift build first).
# A snippet's first line says "// EXPECT: ok" or "// EXPECT: error"; "// FLAGS: ..." adds swiftc flags.
cd "$1" || exit 1
for f in snippets/${2:-*}.swift; do
  expect=$(sed -n 's#^// EXPECT: *##p' "$f" | head -1)
  flags=$(sed -n 's#^// FLAGS: *##p' "$f" | head -1)
  out=$(swiftc -swift-version 6 -parse-as-library -emit-sil -o /dev/null -I .build/debug/Modules $flags "$f" 2>&1)
  if [ $? -eq 0 ]; then got=ok; else got=error; fi
  mark=PASS; [ "$got" != "$expect" ] && mark=UNEXPECTED
  echo "== $f: expect=$expect got=$got [$mark]"
  echo "$out" | grep -E "error:" | sed 's#^.*snippets/##' | sort -u | head -6
done
