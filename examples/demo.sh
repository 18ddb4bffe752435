#!/bin/sh
# make demo: load the example company into a private state directory, map its
# groups to roles, and show what a few people get on two different hosts, and
# why.  Touches nothing outside a temporary directory.
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
ctl="$(cd "$build" && pwd)/grouprolectl"
work=$(mktemp -d "${TMPDIR:-/tmp}/grouprole-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

# Host 1: web01, serving the "payments" organization.
cat >"$work/web01.conf" <<CONF
state_dir = $work/state
organization = payments
resources = host:web01 hostgroup:payments-web
test_mode = yes
# username = localpart (the default) maps only these domains' userNames.
login_domains = meridian.example contractor.example
CONF
# Host 2: gpu07, serving "research", reading the same directory.
sed -e 's/^organization = .*/organization = research/' \
    -e 's/^resources = .*/resources = host:gpu07 hostgroup:research/' \
    "$work/web01.conf" >"$work/gpu07.conf"
chmod 644 "$work"/*.conf

run() {
	printf '\n$ grouprolectl %s\n' "$*"
	"$ctl" --config "$work/web01.conf" "$@"
}

echo "== Meridian Systems: 20 people, 6 groups from Okta (SCIM), 2 organizations"
run directory create okta
run import --directory okta "$here/users.json" "$here/groups.json"
printf '\n$ sh examples/mappings.sh   # roles, tenant and organization mappings, policy\n'
CTL="$ctl --config $work/web01.conf" sh "$here/mappings.sh" >/dev/null
run role list
run group list

echo
echo "== On web01 (organization payments, resources host:web01 hostgroup:payments-web)"
for u in alice.nguyen bob.okafor dave.miller frank.rossi quinn.taylor; do
	run user show "$u"
done

echo
echo "== The same directory seen from gpu07 (organization research)"
for u in erin.schmidt noah.fischer bob.okafor; do
	printf '\n$ grouprolectl --config gpu07.conf user show %s\n' "$u"
	"$ctl" --config "$work/gpu07.conf" user show "$u"
done

echo
echo "== What the NSS snapshot on web01 holds, and whether it is current"
run publish
run check || true

# The same roles as Unix groups, through real getent and id: nss_wrapper
# loads the built NSS module in place of /etc/nsswitch.conf, and a small
# passwd/group pair stands in for the host's accounts.  Nothing on the host
# changes.
module="$(cd "$build" && pwd)/libnss_grouprole.so.2"
if [ -f "$module" ] && /sbin/ldconfig -p 2>/dev/null | grep -q 'libnss_wrapper\.so '; then
	printf 'alice.nguyen:x:1001:1001::/tmp:/bin/sh\nbob.okafor:x:1002:1002::/tmp:/bin/sh\nfrank.rossi:x:1006:1006::/tmp:/bin/sh\n' >"$work/passwd"
	printf 'alice.nguyen:x:1001:\nbob.okafor:x:1002:\nfrank.rossi:x:1006:\n' >"$work/group"
	nss() {
		printf '\n$ %s\n' "$*"
		LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD="$work/passwd" \
			NSS_WRAPPER_GROUP="$work/group" NSS_WRAPPER_MODULE_SO_PATH="$module" \
			NSS_WRAPPER_MODULE_FN_PREFIX=grouprole GROUPROLE_CONF="$work/web01.conf" "$@"
	}
	echo
	echo "== The roles as Unix groups on web01 (getent and id through the NSS module)"
	nss getent group role-admin role-oncall
	nss id alice.nguyen
	nss id frank.rossi    # deactivated in Okta: no role groups
fi
