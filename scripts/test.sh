#!/usr/bin/env bash
# `npm test`: every jest tier (unit, contract, integration, smoke), serially, with
# coverage and a JSON report in artifacts/jest-results.json.
#
#   bash scripts/test.sh [extra jest args...]      (npm test -- [extra jest args...])
#
# 1. Preflight: the smoke tier needs a Docker engine that answers, a compose tool,
#    Chromium at /usr/bin/chromium, the base image node:20-bookworm-slim and the database
#    image postgres:15-bookworm (`scripts/provision.sh --check` prints one line per item).
# 2. If anything is missing, scripts/provision.sh installs/starts/builds it (Debian/Ubuntu,
#    as root or with passwordless sudo, package mirror reachable). When it cannot, this
#    script stops at once, before any test runs, saying what is missing and how to get it.
#    `npm run test:fast` runs the unit, contract and integration tiers and needs none of it.
#    The preflight is skipped when the jest args select projects without `smoke`
#    (e.g. `npm test -- --selectProjects unit`).
# 3. jest --ci --runInBand --coverage --json --outputFile=artifacts/jest-results.json "$@";
#    its exit status is this script's. With jest arguments (a subset), no --coverage: the
#    thresholds in jest.config.js are for the whole suite.
# 4. The last line on stdout is "N passed, N failed", read from that report. A missing or
#    unreadable report, or a suite that failed to run, makes the exit status non-zero.
#
# Environment:
#   SKIP_PROVISION=1   neither check nor provision: run jest as things are (the smoke
#                      tests then fail with their own hints if something is missing)
#   Knobs of scripts/provision.sh (CHROMIUM_PATH, APT_UPDATE_TIMEOUT, ...) pass through.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

log() { printf '[test] %s\n' "$*" >&2; }

RESULTS=artifacts/jest-results.json
mkdir -p artifacts
rm -f "$RESULTS" # never let a stale report stand for this run

if [ ! -x node_modules/.bin/jest ]; then
  log "jest is not installed here: run \`npm ci\` first (the README's test command is \`npm ci && npm test\`)."
  exit 1
fi

# Will jest run the smoke tier? Only a --selectProjects list without "smoke" says no.
smoke_selected() {
  local selecting=0 seen=0 a
  for a in "$@"; do
    case "$a" in
      --selectProjects=*) seen=1; selecting=0; [[ "${a#*=}" != *smoke* ]] || return 0 ;;
      --selectProjects) seen=1; selecting=1 ;;
      -*) selecting=0 ;;
      *) [ "$selecting" -eq 0 ] || [ "$a" != smoke ] || return 0 ;;
    esac
  done
  [ "$seen" -eq 0 ]
}

stop_before_tests() {
  log "npm test stopped before running any test: $1"
  log "  \`npm run test:fast\` runs the unit, contract and integration tiers, which need no Docker and no Chromium;"
  log "  SKIP_PROVISION=1 npm test runs every tier as things are (the smoke tests then fail)."
  exit "${2:-1}"
}

if [ "${SKIP_PROVISION:-0}" = 1 ]; then
  log "SKIP_PROVISION=1: no preflight, no provisioning"
elif ! smoke_selected "$@"; then
  log "the selected jest projects do not include smoke: no preflight needed (only smoke needs Docker, compose, Chromium)"
else
  log "preflight: what the smoke tier needs"
  check_rc=0
  bash scripts/provision.sh --check || check_rc=$?
  if [ "$check_rc" -eq 1 ]; then
    log "something is missing: provisioning it with scripts/provision.sh (Debian/Ubuntu; as root or passwordless sudo)"
    prov_rc=0
    bash scripts/provision.sh || prov_rc=$?
    if [ "$prov_rc" -eq 3 ]; then
      stop_before_tests "the smoke tier cannot be provisioned on this machine as it is (see above)." 3
    elif [ "$prov_rc" -ne 0 ]; then
      stop_before_tests "scripts/provision.sh failed (exit $prov_rc, see above)." "$prov_rc"
    fi
    log "preflight again, after provisioning"
    bash scripts/provision.sh --check \
      || stop_before_tests "still missing after provisioning (see the MISSING lines above)."
  elif [ "$check_rc" -ne 0 ]; then
    stop_before_tests "the preflight check itself failed (exit $check_rc)." "$check_rc"
  fi
fi

# The coverage thresholds (jest.config.js) describe the whole suite: enforced on a full run
# only, not when jest arguments pick a subset.
coverage=(--coverage)
if [ "$#" -gt 0 ]; then
  coverage=()
  log "jest arguments given: a partial run, so no coverage report or threshold"
fi

jest_rc=0
npx --no-install jest --ci --runInBand "${coverage[@]}" --json --outputFile="$RESULTS" "$@" || jest_rc=$?

# One plain final line from the report. node exits 3 if suites failed to run, 2 if the
# report is unreadable (then it prints nothing).
summary_rc=0
# shellcheck disable=SC2016  # the single-quoted script is JavaScript, not shell
summary="$(node -e '
  let r;
  try { r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); } catch (e) {
    console.error(`[test] no readable jest report at ${process.argv[1]}: ${e.message}`); process.exit(2);
  }
  const n = (k) => (Number.isInteger(r[k]) ? r[k] : NaN);
  if (Number.isNaN(n("numPassedTests") + n("numFailedTests"))) {
    console.error(`[test] ${process.argv[1]} has no numPassedTests/numFailedTests`); process.exit(2);
  }
  process.stdout.write(`${r.numPassedTests} passed, ${r.numFailedTests} failed`);
  if (n("numRuntimeErrorTestSuites") > 0) {
    console.error(`[test] ${r.numRuntimeErrorTestSuites} test suite(s) failed to run (counted in neither number)`);
    process.exit(3);
  }
' "$RESULTS")" || summary_rc=$?

rc=$jest_rc
if [ -z "$summary" ]; then
  summary="0 passed, 0 failed"
  [ "$rc" -ne 0 ] || rc=1
elif [ "$summary_rc" -ne 0 ] || [ "${summary#*passed, }" != "0 failed" ]; then
  [ "$rc" -ne 0 ] || rc=1
fi
echo "$summary"
exit "$rc"
