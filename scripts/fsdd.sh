#!/usr/bin/env bash
# Prints the folder of the Free Spoken Digit Dataset (the one holding recordings/), finding it in
# this order: $FSDD_DIR, ../shared/data/fsdd beside the checkout, data/fsdd (a clone made here
# before). If none exists, clones the public repository into data/fsdd (never committed:
# data/fsdd is in .gitignore).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
for dir in "${FSDD_DIR:-}" "$root/../shared/data/fsdd" "$root/data/fsdd"; do
  if [ -n "$dir" ] && [ -d "$dir/recordings" ]; then
    (cd "$dir" && pwd)
    exit 0
  fi
done
echo "FSDD not found; cloning it into $root/data/fsdd" >&2
git clone --depth 1 https://github.com/Jakobovski/free-spoken-digit-dataset "$root/data/fsdd-clone" >&2
mkdir -p "$root/data/fsdd"
mv "$root/data/fsdd-clone/recordings" "$root/data/fsdd/recordings"
rm -rf "$root/data/fsdd-clone"
echo "$root/data/fsdd"
