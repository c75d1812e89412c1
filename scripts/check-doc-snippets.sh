#!/usr/bin/env bash
# Type-checks every ```swift block of README.md, Documentation/*.md and the DocC catalogs' articles
# (Sources/*/*.docc/*.md) against the library, so the guides cannot drift from the API. Called by .ci/run after `swift test`; a few seconds on a warm build.
#
#   scripts/check-doc-snippets.sh                  # README.md, Documentation/*.md, Sources/*/*.docc/*.md
#   scripts/check-doc-snippets.sh Documentation/WritingALayer.md
#   scripts/check-doc-snippets.sh --self-test      # shows that a broken block fails, at its line
#
# Conventions for guide writers (the comments are invisible on GitHub and in the DocC articles):
# - The ```swift blocks of one file form one program, in order: a later block may use what an
#   earlier block declared, and must not declare the same name again. Each file must import what it
#   uses (`import RareEventKit`, `import Foundation`, `import Testing` for `#expect`).
# - A value the prose only talks about (the training tensor `x`, say) is declared in a hidden prelude
#   placed anywhere before the block; it is compiled just before the block and may span lines:
#       <!-- swift-prelude: let x = Tensor(zeros: [64, 5, 59]) -->
# - A block that must not be compiled says why, right before it (use sparingly):
#       <!-- swift-nocheck: pseudo-code of the training loop -->
# - A block whose first line is `// swift-tools-version:…` is a package manifest and is type-checked
#   alone against PackageDescription.
# - ```bash, ```text, ```python, … and unlabeled blocks are ignored.
# Compiler errors name the Markdown file and line (through #sourceLocation). Warnings count as errors.
set -euo pipefail
cd "$(dirname "$0")/.."

swift_bin=$(dirname "$(readlink -f "$(command -v swiftc)")")
manifest_api="$swift_bin/../lib/swift/pm/ManifestAPI"

# Writes the programs of the Markdown files given as arguments into the folder $1 and prints one line
# per result: "program <md> <swift file> <block lines>", "manifest <md> <swift file> <tools version>",
# "skipped <md>:<line> <reason>", or "error <md>:<line> <message>".
extract() {
  local out=$1; shift
  local index=0 md
  for md in "$@"; do
    index=$((index + 1))
    awk -v md="$md" -v out="$out" -v index_="$index" '
      function flush_prelude() {
        if (prelude != "") {
          printf "#sourceLocation(file: \"%s\", line: %d)\n%s\n#sourceLocation()\n", md, prelude_line, prelude > program
          prelude = ""
        }
      }
      BEGIN { program = out "/" index_ ".swift"; printf "" > program; state = "text"; blocks = "" }
      # Hidden prelude, possibly spanning several lines.
      state == "text" && /^[ \t]*<!--[ \t]*swift-prelude:/ {
        text = $0; sub(/^[ \t]*<!--[ \t]*swift-prelude:[ \t]?/, "", text)
        if (prelude != "") prelude = prelude "\n#sourceLocation()\n#sourceLocation(file: \"" md "\", line: " NR ")\n"
        else prelude_line = NR
        if (text ~ /-->[ \t]*$/) { sub(/[ \t]*-->[ \t]*$/, "", text); prelude = prelude text }
        else { prelude = prelude text; state = "prelude" }
        next
      }
      state == "prelude" {
        text = $0
        if (text ~ /-->[ \t]*$/) { sub(/[ \t]*-->[ \t]*$/, "", text); state = "text" }
        prelude = prelude "\n" text
        next
      }
      state == "text" && /^[ \t]*<!--[ \t]*swift-nocheck:/ {
        reason = $0; sub(/^[ \t]*<!--[ \t]*swift-nocheck:[ \t]*/, "", reason); sub(/[ \t]*-->[ \t]*$/, "", reason)
        if (reason == "") { print "error " md ":" NR " swift-nocheck needs a reason: <!-- swift-nocheck: why -->"; exit }
        skip = reason; skip_line = NR
        next
      }
      # A fence opens with 3 or more backticks or tildes and closes with a line of at least as many.
      function closes(line) {
        sub(/^[ \t]*/, "", line); sub(/[ \t]+$/, "", line)
        return substr(line, 1, length(fence)) == fence && line ~ ("^" (fence ~ /^`/ ? "`" : "~") "+$")
      }
      state == "text" && /^[ \t]*(```|~~~)/ {
        match($0, /^[ \t]*/); indent = RLENGTH
        rest = substr($0, indent + 1); match(rest, /^(`+|~+)/); fence = substr(rest, 1, RLENGTH)
        info = substr(rest, RLENGTH + 1); gsub(/^[ \t]+|[ \t]+$/, "", info)
        if (info != "swift") { state = "other"; next }
        if (skip != "") { print "skipped " md ":" NR " " skip; skip = ""; state = "skip"; next }
        state = "swift"; first = NR + 1; lines = ""; count = 0
        next
      }
      (state == "other" || state == "skip") && closes($0) { state = "text"; next }
      state == "swift" && closes($0) {
        state = "text"
        if (lines ~ /^[ \t]*\/\/ *swift-tools-version:/) {
          manifests++
          file = out "/" index_ "-manifest-" manifests "/Package.swift"
          system("mkdir -p \"" out "/" index_ "-manifest-" manifests "\"")
          version = lines; sub(/^[ \t]*\/\/ *swift-tools-version: */, "", version); sub(/[^0-9.].*$/, "", version)
          printf "#sourceLocation(file: \"%s\", line: %d)\n%s\n", md, first, lines > file
          close(file)
          print "manifest " md " " file " " version " " first
          next
        }
        flush_prelude()
        printf "#sourceLocation(file: \"%s\", line: %d)\n%s\n#sourceLocation()\n", md, first, lines > program
        blocks = blocks (blocks == "" ? "" : ",") first
        next
      }
      state == "swift" {
        line = $0
        # Remove the fence indentation (blocks inside list items).
        for (i = 0; i < indent && substr(line, 1, 1) ~ /[ \t]/; i++) line = substr(line, 2)
        lines = (count++ == 0) ? line : lines "\n" line
        next
      }
      END {
        if (state == "swift") print "error " md ":" first - 1 " unterminated ```swift block"
        if (state == "prelude") print "error " md ":" prelude_line " unterminated swift-prelude comment"
        if (skip != "") print "error " md ":" skip_line " swift-nocheck is not followed by a ```swift block"
        if (blocks != "") print "program " md " " program " " blocks
      }
    ' "$md"
  done
}

# Type-checks the programs of the given Markdown files; prints a summary, the compiler's diagnostics
# of each failing file, and returns non-zero when anything fails.
check() {
  local bin modules flags=() map
  bin=$(swift build --show-bin-path)
  modules="$bin/Modules"
  # The public modules must be up to date; after `swift build --build-tests` this is a no-op.
  if ! swift build --target RareEventKit >/tmp/rek-doc-snippets-build.$$ 2>&1; then
    cat /tmp/rek-doc-snippets-build.$$; rm -f /tmp/rek-doc-snippets-build.$$; return 1
  fi
  rm -f /tmp/rek-doc-snippets-build.$$
  [ -d "$modules" ] || modules="$bin"
  flags=(-I "$modules")
  for map in "$bin"/*.build/module.modulemap; do   # C targets (CKernels) the Swift modules import
    [ -e "$map" ] && flags+=(-Xcc "-fmodule-map-file=$map")
  done

  local scratch
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/rek-doc-snippets.XXXXXX")
  extract "$scratch" "$@" > "$scratch/results"

  local failed=0 kind where file rest jobs=()
  # Compile in parallel; each job writes its diagnostics next to its program.
  while read -r kind where file rest; do
    case $kind in
      program)
        ( if swiftc -typecheck -warnings-as-errors -diagnostic-style llvm "${flags[@]}" "$file" > "$file.log" 2>&1
          then echo 0; else echo 1; fi > "$file.rc" ) &
        jobs+=($!) ;;
      manifest)
        set -- $rest
        ( if swiftc -typecheck -warnings-as-errors -diagnostic-style llvm -I "$manifest_api" -Xfrontend -package-description-version \
              -Xfrontend "$1" "$file" > "$file.log" 2>&1
          then echo 0; else echo 1; fi > "$file.rc" ) &
        jobs+=($!) ;;
    esac
  done < "$scratch/results"
  for job in "${jobs[@]}"; do wait "$job" || true; done

  local programs=0 manifests=0 skipped=0
  while read -r kind where file rest; do
    case $kind in
      error) echo "$where: error: $file $rest" >&2; failed=1 ;;
      skipped) skipped=$((skipped + 1)); echo "  skipped  $where (swift-nocheck: $file $rest)" ;;
      program|manifest)
        if [ "$kind" = program ]; then programs=$((programs + 1)); label="blocks at lines $rest"
        else manifests=$((manifests + 1)); set -- $rest; label="Package.swift block at line $2"; fi
        if [ "$(cat "$file.rc")" = 0 ]; then
          echo "  ok       $where ($label)"
        else
          failed=1
          echo "  FAILED   $where ($label):" >&2
          sed 's/^/    /' "$file.log" >&2
        fi ;;
    esac
  done < "$scratch/results"
  echo "doc snippets: $programs guide programs, $manifests manifests, $skipped skipped blocks: $([ $failed = 0 ] && echo passed || echo FAILED)"
  rm -rf "$scratch"
  return $failed
}

# Checks the checker: a good guide passes; a broken block, a redeclaration across blocks, a missing
# prelude and a bad manifest each fail, with the Markdown file and line in the message.
self_test() {
  local dir status=0
  dir=$(mktemp -d "${TMPDIR:-/tmp}/rek-doc-self-test.XXXXXX")
  printf '%s\n' '# Good' '' '```swift' 'import RareEventKit' 'let model = try Sequential(inputShape: [4]) { Dense(units: 2) }' '```' \
    '' '<!-- swift-prelude: let x = Tensor(zeros: [3, 4])' 'let y = x -->' '```swift' 'print(try model.predict(x), y.shape)' '```' \
    '<!-- swift-nocheck: not Swift at all, on purpose -->' '```swift' 'model.fit(x, x, epochs = 3)' '```' \
    '```bash' 'swift test' '```' '````markdown' '```swift' 'not compiled: inside a longer fence' '```' '````' \
    '- A list item:' '' '  ~~~swift' '  print(y.shape)' '  ~~~' '' '```swift' '// swift-tools-version:6.0' 'import PackageDescription' \
    'let package = Package(name: "A", targets: [.target(name: "A")])' '```' > "$dir/good.md"
  printf '%s\n' '# Broken' '' '```swift' 'import RareEventKit' 'let model = try Sequential(inputShape: [4]) { Dense(units: 2) }' '```' \
    'Text.' '' '```swift' 'model.compile(optimizer: Adam(learningRate: 1e-3), loss: .meanSquaredErrr)' '```' > "$dir/broken.md"
  printf '%s\n' '```swift' 'let a = 1' '```' '```swift' 'let a = 2' '```' > "$dir/redeclared.md"
  printf '%s\n' '```swift' 'import RareEventKit' '' 'print(try model.predict(x))' '```' > "$dir/undeclared.md"
  printf '%s\n' '```swift' '// swift-tools-version:6.0' 'import PackageDescription' \
    'let package = Package(name: "A", dependencies: [.package(path: "../RareEventKit")],' \
    '    targets: [.target(name: "A", dependencies: [.product(name: "RareEventKit")])])' '```' > "$dir/manifest.md"

  expect() {   # expect <pass|fail> <file> [text the output must contain]
    local output rc=0
    output=$(check "$2" 2>&1) || rc=$?
    if { [ "$1" = pass ] && [ $rc = 0 ]; } || { [ "$1" = fail ] && [ $rc != 0 ]; }; then
      if [ -z "${3:-}" ] || grep -qF -- "$3" <<< "$output"; then echo "self-test ok: $(basename "$2") should $1 and does${3:+ ($3)}"; return; fi
    fi
    echo "self-test FAILED: $(basename "$2") should $1${3:+ with '$3'}; the checker printed:" >&2
    echo "$output" >&2
    status=1
  }
  expect pass "$dir/good.md" "ok       $dir/good.md (blocks at lines 4,11,28)"
  expect fail "$dir/broken.md" "$dir/broken.md:10:"
  expect fail "$dir/redeclared.md" "$dir/redeclared.md:5:5: error: invalid redeclaration of 'a'"
  expect fail "$dir/undeclared.md" "$dir/undeclared.md:4:"
  expect fail "$dir/manifest.md" "$dir/manifest.md:5:"
  rm -rf "$dir"
  return $status
}

if [ "${1:-}" = --self-test ]; then
  self_test
elif [ $# -gt 0 ]; then
  check "$@"
else
  shopt -s nullglob
  check README.md Documentation/*.md Sources/*/*.docc/*.md
fi
