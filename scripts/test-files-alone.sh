#!/usr/bin/env bash
# Runs every test file on its own (`npx vitest run FILE`), so that no test passes only
# after its neighbours. Usage: bash scripts/test-files-alone.sh [pattern]
# e.g. `bash scripts/test-files-alone.sh tests/e2e/` for the browser tests alone. Files git
# tracks and new ones it does not ignore are both run; the environment passes through
# (REQUIRE_CHROMIUM=1, REQUIRE_POSTGRES=1 turn a skip into a failure).
# Exit status: the number of files that failed alone (0 when every file stands alone).
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp -t test-alone.XXXXXX)
trap 'rm -f "$log"' EXIT
failed=()
files=$(git ls-files --cached --others --exclude-standard \
  'src/**/*.test.ts' 'src/**/*.test.tsx' 'tests/**/*.test.ts' 'tests/**/*.test.tsx' |
  grep -- "${1:-}" | sort -u)
for file in $files; do
  [ -f "$file" ] || continue
  start=$(date +%s)
  if npx vitest run "$file" >"$log" 2>&1; then
    echo "ok    $(( $(date +%s) - start ))s  $file"
  else
    echo "FAIL  $(( $(date +%s) - start ))s  $file"
    tail -20 "$log"
    failed+=("$file")
  fi
done
echo "${#failed[@]} of $(echo "$files" | wc -w) files failed when run alone"
exit "${#failed[@]}"
