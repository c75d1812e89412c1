#!/usr/bin/env bash
# Formats the Swift sources in place with the toolchain's swift-format and the project's .swift-format.
#   scripts/format.sh                      # the whole tree (Sources, Examples, Tests; Package.swift keeps its own layout)
#   scripts/format.sh Sources/Tensor       # only these files or folders
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -eq 0 ]; then set -- Sources Examples Tests; fi
exec swift format format --configuration .swift-format --in-place --parallel --recursive "$@"
