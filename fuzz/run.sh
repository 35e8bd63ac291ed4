#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each) on the corpus kept in the repo;
# any crash, leak, timeout or out-of-memory fails the run and prints the reproducer's path.
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the one stable toolchain accept them.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
mkdir -p logs
for target in $(cargo fuzz list); do
    mkdir -p "corpus/$target"
    log="logs/$target.log"
    if ! cargo fuzz run -O "$target" "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=4096 >"$log" 2>&1; then
        echo "fuzz target $target FAILED:"; tail -40 "$log"; exit 1
    fi
    runs=$(grep -oE "^Done [0-9]+ runs" "$log" | grep -oE "[0-9]+" || echo "?")
    echo "fuzz $target: $runs inputs in ${seconds}s, no crash"
done
