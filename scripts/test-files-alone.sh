#!/usr/bin/env bash
# Runs every test file on its own (`npx vitest run FILE`), so that no test passes only
# after its neighbours. Usage: bash scripts/test-files-alone.sh [pattern]
# Exit status: the number of files that failed alone (0 when every file stands alone).
set -uo pipefail
cd "$(dirname "$0")/.."
failed=()
files=$(git ls-files 'src/**/*.test.ts' 'src/**/*.test.tsx' 'tests/**/*.test.ts' | grep -- "${1:-}" | sort)
for file in $files; do
  start=$(date +%s)
  if npx vitest run "$file" >/tmp/test-alone.log 2>&1; then
    echo "ok    $(( $(date +%s) - start ))s  $file"
  else
    echo "FAIL  $(( $(date +%s) - start ))s  $file"
    tail -20 /tmp/test-alone.log
    failed+=("$file")
  fi
done
echo "${#failed[@]} of $(echo "$files" | wc -w) files failed when run alone"
exit "${#failed[@]}"
