# Shared set-up for the grouprolectl tests: a private state directory and a
# config that points at it.  LOGIN_DOMAINS_CONF replaces the login_domains
# line (the example company's two domains); EXTRA_CONF adds lines.  GR_BUILD and GR_SRCDIR come from the Makefile.
bats_require_minimum_version 1.5.0

: "${GR_BUILD:=$BATS_TEST_DIRNAME/../../build}"
: "${GR_SRCDIR:=$BATS_TEST_DIRNAME/../..}"

setup_state() {
	WORK=$(mktemp -d "${BATS_TMPDIR:-/tmp}/grouprole-cli.XXXXXX")
	chmod 755 "$WORK"
	CONF="$WORK/grouprole.conf"
	cat >"$CONF" <<CONF
state_dir = $WORK/state
organization = payments
resources = host:web01 hostgroup:payments-web
test_mode = yes
${EXTRA_CONF:-}
${LOGIN_DOMAINS_CONF-login_domains = meridian.example contractor.example}
CONF
	chmod 644 "$CONF"
}

teardown_state() {
	[ -n "${WORK:-}" ] && rm -rf "$WORK"
}

ctl() {
	"$GR_BUILD/grouprolectl" --config "$CONF" "$@"
}

# The example company, imported, with its role mappings.
load_example() {
	ctl directory create okta
	ctl import --directory okta "$GR_SRCDIR/examples/users.json" "$GR_SRCDIR/examples/groups.json" >/dev/null
	CTL="$GR_BUILD/grouprolectl --config $CONF" sh "$GR_SRCDIR/examples/mappings.sh" >/dev/null
}

# A SCIM ListResponse from resources given as JSON arguments.
list_response() {
	local IFS=,
	printf '{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":%d,"Resources":[%s]}\n' "$#" "$*"
}

# Fail unless stderr is exactly one line that contains $1.
one_line_error() {
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || {
		echo "stderr is not one line: $stderr"
		return 1
	}
	[[ "$stderr" == *"$1"* ]] || {
		echo "stderr lacks '$1': $stderr"
		return 1
	}
}
