#!/bin/sh
# Run every test given on the command line and add up their TAP results.
#
#   tests/run-tests.sh BUILD_DIR TEST...
#
# cmocka programs run with CMOCKA_MESSAGE_OUTPUT=TAP, *.bats files with
# "bats --tap".  Each test's full output goes to BUILD_DIR/test-logs/; the
# lines of failing cases are repeated here.  A program that exits non-zero
# without reporting a failing case (a crash, a sanitizer report) counts as one
# failure.  The last line is always "N passed, N failed, N skipped".
set -u
# The tests write UTF-8 (hostile names, bidi controls) with bash's $'\u...':
# that needs a UTF-8 locale whatever the caller's is.  C.UTF-8 is built into
# glibc, and sorts like C.
export LC_ALL=C.UTF-8
build=$1
shift
logs="$build/test-logs"
mkdir -p "$logs"
passed=0 failed=0 skipped=0
timeout_s=${TEST_TIMEOUT:-900}

for t in "$@"; do
	name=$(basename "$t")
	log="$logs/$name.log"
	case "$t" in
	*.bats) timeout "$timeout_s" bats --tap "$t" >"$log" 2>&1 ;;
	*) CMOCKA_MESSAGE_OUTPUT=TAP timeout "$timeout_s" "$t" >"$log" 2>&1 ;;
	esac
	rc=$?
	# cmocka 1.1 reports a skipped case as "not ok N # SKIP", bats as
	# "ok N # skip": both are skips, neither a pass nor a failure.
	p=$(grep -Eci '^ok [0-9]+' "$log")
	ps=$(grep -Eci '^ok [0-9]+.*# skip' "$log")
	s=$(grep -Eci '^(not )?ok [0-9]+.*# skip' "$log")
	f=$(grep -E '^not ok [0-9]+' "$log" | grep -Eciv '# skip')
	p=$((p - ps))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "FAIL $name: exited with status $rc without a failing case (see $log)"
		tail -n 20 "$log" | sed 's/^/    /'
	fi
	if [ "$f" -gt 0 ]; then
		echo "FAIL $name: $p passed, $f failed, $s skipped (log: $log)"
		grep -E -A8 '^not ok [0-9]+' "$log" | head -n 60 | sed 's/^/    /'
	else
		echo "ok   $name: $p passed${s:+, $s skipped}"
	fi
	grep -Ei '^(not )?ok [0-9]+.*# skip' "$log" | sed 's/^/    /'
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
