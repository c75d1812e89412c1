#!/usr/bin/env bash
# Builds the static API reference (DocC) from the package's symbol graphs, with the toolchain's
# `docc convert` (no plugin, no package dependency), into .build/docs/RareEventKit.doccarchive.
# Fails on any DocC warning (broken symbol links, undocumented parameters, …) and on any public
# symbol declared in Sources/ without a documentation comment.
#
#   scripts/build-docs.sh                 # build and check
#   python3 -m http.server -d .build/docs/RareEventKit.doccarchive 8000
#   open http://localhost:8000/documentation/rareeventkit
#
# The catalog is Sources/RareEventKit/RareEventKit.docc (landing page and a topic page per module);
# the guides in Documentation/*.md stay the single source and are turned into articles here, in a
# staging copy of the catalog: links to other guides become `doc:` links, images are copied in.
set -euo pipefail
cd "$(dirname "$0")/.."

modules=(Tensor Layers Preprocessing Metrics Autoencoder)
work=.build/docs-work
output=.build/docs/RareEventKit.doccarchive
docc=$(command -v docc || true)
if [ -z "$docc" ]; then docc="$(dirname "$(readlink -f "$(command -v swift)")")/docc"; fi

# 1. Symbol graphs of the public modules (reuses the debug build when it is up to date).
rm -rf "$work" && mkdir -p "$work/symbol-graphs"
if ! swift package dump-symbol-graph > "$work/dump-symbol-graph.log" 2>&1; then
  cat "$work/dump-symbol-graph.log"; exit 1
fi
graphs=$(sed -n 's/^Files written to //p' "$work/dump-symbol-graph.log" | tail -1)
if [ ! -d "$graphs" ]; then
  cat "$work/dump-symbol-graph.log"; echo "error: no symbol graph directory in the output above" >&2; exit 1
fi
for module in "${modules[@]}"; do
  cp "$graphs/$module.symbols.json" "$work/symbol-graphs/"
  cp "$graphs/$module"@*.symbols.json "$work/symbol-graphs/" 2>/dev/null || true
done

# 2. Every public symbol declared in Sources/ has a doc comment (its own, or the one of the
#    protocol requirement it implements). DocC itself only reports this as coverage statistics.
command -v python3 >/dev/null || { echo "error: python3 is needed to check the doc comments" >&2; exit 1; }
undocumented=0
python3 - "$work/symbol-graphs" "$PWD/Sources/" <<'PYTHON' || undocumented=1
import json, os, sys
folder, sources = sys.argv[1], sys.argv[2]
missing = []
for name in sorted(os.listdir(folder)):
    for symbol in json.load(open(os.path.join(folder, name)))["symbols"]:
        location = symbol.get("location")
        if symbol.get("docComment") or not location:
            continue   # documented, or synthesized by the compiler (no source location)
        path = location["uri"].removeprefix("file://")
        if path.startswith(sources):
            line = location["position"]["line"] + 1
            missing.append(f"{os.path.relpath(path)}:{line}: warning: public symbol "
                           f"'{'.'.join(symbol['pathComponents'])}' has no documentation comment")
print("\n".join(missing)) if missing else None
sys.exit(1 if missing else 0)
PYTHON

# 3. The catalog, with the guides as articles.
cp -R Sources/RareEventKit/RareEventKit.docc "$work/"
for guide in Documentation/*.md; do
  sed -E -e 's/\]\(([A-Za-z0-9]+)\.md\)/](doc:\1)/g' -e 's/\]\(images\/([^)]+)\)/](\1)/g' \
    "$guide" > "$work/RareEventKit.docc/$(basename "$guide")"
done
if [ -d Documentation/images ]; then cp Documentation/images/* "$work/RareEventKit.docc/"; fi

# 4. Convert; a warning fails the build. Diagnostics in the staged guides name Documentation/.
rm -rf "$output" && mkdir -p "$(dirname "$output")"
status=0
"$docc" convert "$work/RareEventKit.docc" \
  --additional-symbol-graph-dir "$work/symbol-graphs" \
  --output-path "$output" \
  --fallback-display-name RareEventKit --fallback-bundle-identifier RareEventKit \
  --enable-inherited-docs --warnings-as-errors > "$work/docc.log" 2>&1 || status=$?
# DocC names catalog files by their bare name: point at the file to edit.
paths=()
for page in "$work"/RareEventKit.docc/*.md; do
  name=$(basename "$page")
  if [ -f "Documentation/$name" ]; then source="Documentation/$name"; else source="Sources/RareEventKit/RareEventKit.docc/$name"; fi
  paths+=(-e "s|--> $name:|--> $source:|")
done
sed "${paths[@]}" "$work/docc.log"
if [ "$status" -ne 0 ] || [ "$undocumented" -ne 0 ] || grep -qE "(warning|error):" "$work/docc.log"; then
  echo "error: the documentation has problems (see above)" >&2
  exit 1
fi
echo "Documentation: $output (serve it with python3 -m http.server -d $output)"
