#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Drop-in kernel CI check: do the regions mirrorgen owns in a Linux tree match
# their specs? (docs/ci.md)
#
#   ci-check.sh [--tree KDIR] [--verify] [SPEC...]
#
# KDIR defaults to the current directory (the tree root, as NIPA runs its
# checks). With no SPEC, mirrorgen uses its bundled netmem.yaml. --verify also
# proves the layout asserts on every Linux ABI (libclang; no kernel build).
#
# Exit 0 pass, 1 drift or a failed assert, 2 bad input or mirrorgen missing.
# One summary line goes to the file descriptor in $DESC_FD when set (NIPA's
# convention), else to stderr. $MIRRORGEN overrides the command to run, e.g.
# MIRRORGEN="python3 -m codegen".
set -uo pipefail

tree=.
verify=0
specs=()
while [ $# -gt 0 ]; do
	case $1 in
	--tree) tree=${2:?--tree needs a directory}; shift 2 ;;
	--tree=*) tree=${1#--tree=}; shift ;;
	--verify) verify=1; shift ;;
	-h|--help) awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"; exit 0 ;;
	--) shift; specs+=("$@"); break ;;
	-*) echo "ci-check.sh: unknown option $1" >&2; exit 2 ;;
	*) specs+=("$1"); shift ;;
	esac
done

read -r -a mirrorgen <<<"${MIRRORGEN:-mirrorgen}"

summary() {
	if [ -n "${DESC_FD:-}" ]; then
		echo "$*" >&"$DESC_FD"
	else
		echo "$*" >&2
	fi
}

if ! "${mirrorgen[@]}" --version >/dev/null 2>&1; then
	summary "mirrorgen: cannot run '${mirrorgen[*]}': install it with pip install mirrorgen"
	exit 2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run STEP ARGS...: run mirrorgen, pass its output through, keep its messages in $log.
run() {
	local step=$1 rc
	shift
	echo "== mirrorgen $step"
	"${mirrorgen[@]}" "$@" 2>"$log"
	rc=$?
	cat "$log" >&2
	return $rc
}

# Finding lines read "file:line:col: severity: message [rule]"; the fix line
# "to fix, run: ...". The summary quotes the first of each and counts the rest.
describe() {
	local step=$1 rc=$2 findings first fix
	findings=$(grep -cE '^[^ ]+:[0-9]+:[0-9]+: (error|warning)' "$log")
	first=$(grep -m1 -E '^[^ ]+:[0-9]+:[0-9]+: ' "$log")
	fix=$(grep -m1 '^to fix, run: ' "$log")
	case $rc in
	1) summary "mirrorgen $step: $findings finding(s); first: ${first:-see log}${fix:+; $fix}" ;;
	*) summary "mirrorgen $step: bad input (exit $rc): ${first:-$(head -n1 "$log")}" ;;
	esac
}

run check check --tree "$tree" "${specs[@]}"
rc=$?
if [ $rc -ne 0 ]; then
	describe check $rc
	exit $rc
fi

if [ $verify -eq 1 ]; then
	run verify verify "${specs[@]}"
	rc=$?
	if [ $rc -ne 0 ]; then
		describe verify $rc
		exit $rc
	fi
fi

summary "mirrorgen: $tree matches ${specs[*]:-the bundled spec}$([ $verify -eq 1 ] && echo '; asserts hold on every ABI')"
exit 0
