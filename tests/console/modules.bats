#!/usr/bin/env bats
# The Cockpit page's JavaScript (cockpit/): ES modules that Cockpit serves as
# they are, so nothing but a browser reads them otherwise.  Every file must
# parse as a module, and the modules must link from grouprole.js: each
# import names a file that is there and a name it exports, and every file is
# imported (modules.mjs).  Cheap: nothing runs, no browser.  Needs node,
# which is not a build dependency: skipped without it, CI=true or not.
bats_require_minimum_version 1.5.0

setup() {
	command -v node >/dev/null ||
		skip "node is not installed (optional, for this check only: apt-get install nodejs)"
	PAGE="${GR_SRCDIR:-$BATS_TEST_DIRNAME/../..}/cockpit"
}

@test "page: every .js file parses as an ES module" {
	local f n=0
	while IFS= read -r f; do
		# node --check takes a .js file as CommonJS; from stdin, --input-type says module.
		run node --input-type=module --check <"$f"
		[ "$status" -eq 0 ] || { echo "$f: $output"; return 1; }
		n=$((n + 1))
	done < <(find "$PAGE" -name '*.js' | sort)
	[ "$n" -gt 1 ]
}

@test "page: the modules link from grouprole.js, and every file is imported" {
	run node --experimental-vm-modules --no-warnings "$BATS_TEST_DIRNAME/modules.mjs" "$PAGE/grouprole.js"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx "views/groups.js" <<<"$output"
}
