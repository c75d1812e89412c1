#!/usr/bin/env bash
# Checks the Swift sources against the project's .swift-format; any finding fails (--strict).
# scripts/format.sh fixes most of them (not long string literals or comments).
#   scripts/lint.sh                        # the whole tree (Sources, Examples, Tests; Package.swift keeps its own layout)
#   scripts/lint.sh Sources/Tensor         # only these files or folders
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -eq 0 ]; then set -- Sources Examples Tests; fi
exec swift format lint --configuration .swift-format --strict --parallel --recursive "$@"
