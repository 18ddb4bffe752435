#!/usr/bin/env bats
# A short, reproducible session of each libFuzzer harness: the seed corpus,
# then a fixed number of runs from a fixed seed.  A crash, a leak, undefined
# behaviour or a broken property (the harness aborts) fails the case, with
# libFuzzer's report in the output.  Long runs: `make fuzz`.

RUNS=40000

run_fuzzer() {
	local name=$1 work
	work=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/fuzz.XXXXXX")
	cp "$GR_SRCDIR/tests/fuzz/corpus/$name/"* "$work/"
	run "$GR_BUILD/fuzz/fuzz_$name" -seed=1 -runs=$RUNS -max_len=512 \
		-dict="$GR_SRCDIR/tests/fuzz/$name.dict" \
		-artifact_prefix="$work/" "$work"
	rm -rf "$work"
	if [ "$status" -ne 0 ]; then
		printf '%s\n' "$output" | tail -n 40
		return 1
	fi
	[[ "$output" == *"Done $RUNS runs"* ]]
}

@test "fuzz: SCIM filter parser and matcher" {
	run_fuzzer filter
}

@test "fuzz: SCIM PATCH path parser" {
	run_fuzzer path
}

@test "fuzz: SCIM PATCH request bodies" {
	run_fuzzer patch
}

@test "fuzz: SSH public key checker" {
	run_fuzzer sshkey
}
