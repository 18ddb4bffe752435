#!/bin/bash
# bench/pw_bench.sh [SIZE...]: the accounts benchmark (make bench-passwd).
#
# For each size (default 10000 100000 1000000 accounts), inside one private
# mount namespace (tests/e2e/ns-lib.sh; nothing on the host changes):
#   1. bench/pw_gen writes a grouprole snapshot with that many accounts
#      (users = yes) and an /etc/passwd with the same accounts;
#   2. bench/pw_bench times getpwnam_r and getpwuid_r with nsswitch.conf
#      saying "passwd: gr_noop" (the do-nothing module: glibc's dispatch
#      floor), "passwd: files" and "passwd: grouprole", three interleaved
#      rounds pinned to one CPU, keeping each figure's least disturbed round;
#   3. up to 100,000 accounts: grouprole-ssh-keys for a random account, a
#      whole run (spawn to exit) per sample, beside /bin/true for the cost of
#      starting any program.
# Prints Markdown tables (what docs/performance.md shows).  Needs root.
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${GR_BUILD:=$here/../build}"
: "${GR_NSS_MODULE_HOST:=$GR_BUILD/libnss_grouprole.so.2}"
export GR_BUILD GR_NSS_MODULE_HOST
export BENCH_SIZES=${*:-10000 100000 1000000}

if [ "$(id -u)" != 0 ]; then
	echo "bench-passwd: needs root (mount namespaces); skipped" >&2
	exit 0
fi
source "$here/../tests/e2e/ns-lib.sh"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
export BENCH_OUT=$out
NS_TIMEOUT=${NS_TIMEOUT:-3600} ns_run '
ns_init
ns_install_module "$GR_NSS_MODULE_HOST" libnss_grouprole.so.2
ns_install_module "$GR_BUILD/bench/libnss_gr_noop.so.2" libnss_gr_noop.so.2
data=$NS_SCRATCH/data
mkdir -p "$data"
ns_grouprole_conf "users = yes" "ssh_keys_attribute = sshPublicKeys"
sed -i "s|^state_dir = .*|state_dir = $data/state|" /etc/grouprole/grouprole.conf
pin=""
if command -v taskset >/dev/null; then pin="taskset -c $(($(nproc) - 1))"; fi
for n in $BENCH_SIZES; do
	"$GR_BUILD/bench/pw_gen" "$n" "$data"
	ns_etc_file passwd <"$data/passwd"
	for round in 1 2 3; do
		for src in gr_noop files grouprole; do
			ns_nsswitch "passwd: $src"
			$pin "$GR_BUILD/bench/pw_bench" run "$src" "$n" >>"$BENCH_OUT"
		done
	done
	if [ "$n" -le 100000 ]; then
		ns_nsswitch "passwd: files"
		for round in 1 2 3; do
			$pin "$GR_BUILD/bench/pw_bench" spawn true "$n" 300 /bin/true >>"$BENCH_OUT"
			$pin "$GR_BUILD/bench/pw_bench" spawn ssh-keys "$n" 300 \
				"$GR_BUILD/grouprole-ssh-keys" %u >>"$BENCH_OUT"
		done
	fi
	echo "bench-passwd: $n accounts done" >&2
done
'
awk -F'\t' '
function us(ns) { return ns == "" ? "-" : (ns >= 1000000 ? sprintf("%.2f ms", ns / 1e6) : (ns >= 10000 ? sprintf("%.1f us", ns / 1e3) : ns " ns")) }
{
	key = $2 SUBSEP $3
	if ($3 != "spawn" && !(key in seen)) { seen[key] = 1; order[++n] = key }
	if ($3 == "spawn" && !($2 in sp)) { sp[$2] = 1; spo[++m] = $2 }
	if (!(($1, key) in med) || $4 + 0 < med[$1, key] + 0) { med[$1, key] = $4; p99[$1, key] = $5 }
	if ($7 != "") bad[$1, key] = 1
}
END {
	print "| accounts | operation | floor (do-nothing) median / p99 | nss_files median / p99 | grouprole median / p99 | grouprole / floor |"
	print "|---:|---|---:|---:|---:|---:|"
	for (i = 1; i <= n; i++) {
		split(order[i], k, SUBSEP)
		r = (med["gr_noop", order[i]] > 0) ? sprintf("%.2fx", med["grouprole", order[i]] / med["gr_noop", order[i]]) : "-"
		printf "| %s | %s | %s / %s | %s / %s | %s / %s%s | %s |\n", k[1], k[2],
			us(med["gr_noop", order[i]]), us(p99["gr_noop", order[i]]),
			us(med["files", order[i]]), us(p99["files", order[i]]),
			us(med["grouprole", order[i]]), us(p99["grouprole", order[i]]),
			(("grouprole", order[i]) in bad || ("files", order[i]) in bad) ? " (WRONG ANSWERS)" : "", r
	}
	print ""
	print "| accounts | grouprole-ssh-keys per call, median / p99 | /bin/true per call, median / p99 |"
	print "|---:|---:|---:|"
	for (i = 1; i <= m; i++) {
		s = spo[i]
		printf "| %s | %s / %s%s | %s / %s |\n", s, us(med["ssh-keys", s SUBSEP "spawn"]),
			us(p99["ssh-keys", s SUBSEP "spawn"]), (("ssh-keys", s SUBSEP "spawn") in bad) ? " (FAILED)" : "",
			us(med["true", s SUBSEP "spawn"]), us(p99["true", s SUBSEP "spawn"])
	}
}' "$out"
