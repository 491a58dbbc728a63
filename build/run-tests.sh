#!/usr/bin/env bash
# Runs every test project of the solution and ends with the plain line "N passed, N failed[, N skipped]"
# (totals over all projects, read from the TRX reports), exiting non-zero on any failure or on a project
# that produced no report (a crashed test host counts as a failure, never as zero tests).
set -uo pipefail
cd "$(dirname "$0")/.."
results="${TEST_RESULTS_DIR:-.build/test-results}"
rm -rf "$results"; mkdir -p "$results"

projects=$(ls tests/*/*.Tests.csproj)
status=0
# --blame-hang-timeout: a hung test is killed and reported instead of stalling CI until its deadline.
dotnet test Operator.sln --no-build --nologo --verbosity quiet --blame-hang-timeout 10m \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || status=$?

passed=0; failed=0; skipped=0; reports=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  reports=$((reports + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  p=$(get passed); f=$(get failed); t=$(get total); e=$(get executed)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${t:-0} - ${e:-0}))
done

expected=$(echo "$projects" | wc -w)
if [ "$reports" -lt "$expected" ]; then
  echo "error: $expected test projects but only $reports reports: a test host crashed or a project did not run" >&2
  failed=$((failed + expected - reports))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "error: dotnet test exited with $status although no test failed: a test host aborted or hung" >&2
  failed=1
fi
# CI keeps only the tail of the output: name each failed test and the start of its message just above the totals.
if [ "$failed" -gt 0 ]; then
  for trx in "$results"/*.trx; do
    [ -e "$trx" ] || continue
    python3 - "$trx" <<'PY' 2>/dev/null || grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$trx" | sed -n 's/.*testName="\([^"]*\)".*/FAILED \1/p'
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for r in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult[@outcome='Failed']", ns):
    message = (r.findtext(".//t:ErrorInfo/t:Message", "", ns) or "").strip().splitlines()
    print("FAILED", r.get("testName"))
    for line in message[:6]:
        print("    " + line[:300])
PY
  done
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
