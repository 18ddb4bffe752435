#!/usr/bin/env bats
# The Debian packages (packaging/debian): built from a copy of the tree with
# dpkg-buildpackage, checked with lintian, then installed, used, upgraded to
# a rebuilt higher version, removed, reinstalled and purged with the real
# dpkg inside a private mount, pid and network namespace whose /usr, /etc and
# /var are overlays (deb-lifecycle.sh): the host is never changed.
#
# Needs root and the packaging tools (make deps installs them); skipped with
# the reason otherwise, but failing when CI=true.
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	export GR_SRCDIR=${GR_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	export GR_BUILD=${GR_BUILD:-$GR_SRCDIR/build}
	local tool
	PKG_SKIP=""
	if [ "$(id -u)" != 0 ]; then
		PKG_SKIP="needs root (dpkg in a mount namespace)"
	elif ! unshare --mount --net true 2>/dev/null; then
		PKG_SKIP="mount and network namespaces are not available here"
	else
		for tool in dpkg-buildpackage dh lintian dpkg setpriv curl ip /usr/sbin/sshd ssh \
			ssh-keygen pam-auth-update; do
			command -v "$tool" >/dev/null 2>&1 || PKG_SKIP="$PKG_SKIP missing $tool;"
		done
	fi
	export PKG_SKIP
	[ -z "$PKG_SKIP" ] || return 0

	# Build the packages once for the whole file: the version in
	# packaging/debian/changelog, and the same sources rebuilt as a higher
	# version for the upgrade.
	local top=$GR_BUILD/test-packages version
	rm -rf "$top"
	mkdir -p "$top"
	version=$(sed -n '1s/^grouprole (\([^)]*\)).*/\1/p' "$GR_SRCDIR/packaging/debian/changelog")
	export PKG_VERSION=$version PKG_VERSION2=$version+1
	export PKG_V1=$top/v1 PKG_V2=$top/v2 PKG_RES=$top/results
	sh "$GR_SRCDIR/packaging/build.sh" deb "$PKG_V1" >"$top/build-v1.log" 2>&1 ||
		{ cat "$top/build-v1.log" >&3; return 1; }
	sh "$GR_SRCDIR/packaging/build.sh" deb "$PKG_V2" "$PKG_VERSION2" >"$top/build-v2.log" 2>&1 ||
		{ cat "$top/build-v2.log" >&3; return 1; }

	# The whole life of the packages, once; the tests read what it left.
	source "$BATS_TEST_DIRNAME/../e2e/ns-lib.sh"
	export NS_TIMEOUT=240
	# shellcheck disable=SC2016 # expanded inside the namespace
	unshare --net -- bash -c 'source "$1"; ns_run --pid "source \"$2\""' sh \
		"$BATS_TEST_DIRNAME/../e2e/ns-lib.sh" "$BATS_TEST_DIRNAME/deb-lifecycle.sh" \
		>"$top/lifecycle.log" 2>&1 || echo "lifecycle exited with $?" >>"$top/lifecycle.log"
}

setup() {
	pkg_skip_unless_ready "$PKG_SKIP"
	R=$PKG_RES
}

# Show the lifecycle's log when a test fails.
teardown() {
	pkg_log_on_failure "$PKG_SKIP" "lifecycle log" "$GR_BUILD/test-packages/lifecycle.log"
}

# The group line of nsswitch.conf in a step's snapshot.
group_line() {
	grep -E '^group:' "$R/$1/nsswitch.conf"
}

# Lines naming pam_grouprole.so in one of a step's common-* files.
pam_lines() {
	grep -c 'pam_grouprole\.so' "$R/$1/pam.d/$2" || true
}

@test "deb: four packages built, lintian reports no error and no warning" {
	for p in grouprole libnss-grouprole libpam-grouprole; do
		[ -f "$PKG_V1/${p}_${PKG_VERSION}_$(dpkg --print-architecture).deb" ]
		[ -f "$PKG_V2/${p}_${PKG_VERSION2}_$(dpkg --print-architecture).deb" ]
	done
	[ -f "$PKG_V1/cockpit-grouprole_${PKG_VERSION}_all.deb" ]
	[ -f "$PKG_V2/cockpit-grouprole_${PKG_VERSION2}_all.deb" ]
	run lintian --fail-on error,warning "$PKG_V1"/grouprole_*.changes
	# lintian says "running with root privileges is not recommended!" on stderr.
	output=$(grep -v 'root privileges' <<<"$output" || true)
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "deb: each package holds its programs, module, unit, config and man pages" {
	local arch multiarch page
	arch=$(dpkg --print-architecture)
	multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	run -0 dpkg-deb -c "$PKG_V1/grouprole_${PKG_VERSION}_$arch.deb"
	for f in ./usr/sbin/grouprolectl ./usr/sbin/grouprole-scimd ./usr/sbin/grouprole-ssh-keys \
		./usr/share/man/man8/grouprole-ssh-keys.8.gz ./etc/grouprole/grouprole.conf \
		./lib/systemd/system/grouprole-scimd.service ./lib/systemd/system/grouprole-sync.service \
		./usr/lib/tmpfiles.d/grouprole.conf \
		./usr/share/man/man8/grouprolectl.8.gz ./usr/share/man/man8/grouprole-scimd.8.gz \
		./usr/share/man/man8/grouprole-scimd.service.8.gz ./usr/share/man/man5/grouprole.conf.5.gz; do
		grep -q " $f\$" <<<"$output" || { echo "grouprole lacks $f"; return 1; }
	done
	run -0 dpkg-deb -c "$PKG_V1/libnss-grouprole_${PKG_VERSION}_$arch.deb"
	grep -q " ./usr/lib/$multiarch/libnss_grouprole.so.2\$" <<<"$output"
	grep -q " ./usr/share/man/man8/nss-grouprole.8.gz\$" <<<"$output"
	run -0 dpkg-deb -c "$PKG_V1/libpam-grouprole_${PKG_VERSION}_$arch.deb"
	grep -q " ./usr/lib/$multiarch/security/pam_grouprole.so\$" <<<"$output"
	grep -q " ./usr/share/pam-configs/grouprole\$" <<<"$output"
	grep -q " ./usr/share/man/man8/pam_grouprole.8.gz\$" <<<"$output"
	# The page: every file of cockpit/ but its build.mk, the views/ modules included.
	page=$(cd "$GR_SRCDIR/cockpit" && find . -type f \( -name '*.js' -o -name '*.css' -o \
		-name '*.html' -o -name '*.json' \) | sed 's|^\./||' | sort)
	grep -qx manifest.json <<<"$page"
	grep -qx views/groups.js <<<"$page"
	run -0 dpkg-deb -c "$PKG_V1/cockpit-grouprole_${PKG_VERSION}_all.deb"
	for f in $page; do
		grep -q " ./usr/share/cockpit/grouprole/$f\$" <<<"$output" ||
			{ echo "cockpit-grouprole lacks $f"; return 1; }
	done
	run -0 dpkg-deb -f "$PKG_V1/cockpit-grouprole_${PKG_VERSION}_all.deb" Depends
	[ "$output" = "cockpit-bridge, grouprole (>= $PKG_VERSION)" ]
	# The configuration is a conffile; the state directory is not dpkg's.
	run -0 dpkg-deb --info "$PKG_V1/grouprole_${PKG_VERSION}_$arch.deb" conffiles
	[ "$output" = "/etc/grouprole/grouprole.conf" ]
	run -0 dpkg-deb -c "$PKG_V1/grouprole_${PKG_VERSION}_$arch.deb"
	! grep -q ' ./var/lib/grouprole' <<<"$output"
}

@test "deb: each unit's systemd-analyze security exposure is under 3.0" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is missing"
	local unit name
	rm -rf "$PKG_RES/../unit"
	dpkg-deb -x "$PKG_V1/grouprole_${PKG_VERSION}_$(dpkg --print-architecture).deb" "$PKG_RES/../unit"
	for name in grouprole-scimd grouprole-sync; do
		unit=$PKG_RES/../unit/lib/systemd/system/$name.service
		run systemd-analyze security --offline=yes "$unit"
		echo "$name: ${output##*$'\n'}"
		[ "$status" -eq 0 ]
		# --threshold compares on a scale of 100: 29 means an exposure of at most 2.9.
		run systemd-analyze security --offline=yes --threshold=29 "$unit"
		[ "$status" -eq 0 ]
		grep -qx 'Type=notify' "$unit"
		grep -qx 'NoNewPrivileges=yes' "$unit"
		grep -qx 'ProtectSystem=strict' "$unit"
		grep -qx 'StateDirectory=grouprole' "$unit"
		grep -qx 'CapabilityBoundingSet=' "$unit"
		grep -qx 'SystemCallFilter=@system-service' "$unit"
	done
}

@test "deb: install adds grouprole to nsswitch.conf's group line once, after files" {
	[ -f "$R/install/versions" ]
	[ "$(cat "$R/install/versions")" = "grouprole $PKG_VERSION ii
libnss-grouprole $PKG_VERSION ii
libpam-grouprole $PKG_VERSION ii" ]
	[ "$(group_line orig)" = "group:          files systemd" ]
	[ "$(group_line install)" = "group:          files grouprole systemd" ]
	[ "$(grep -o grouprole "$R/install/nsswitch.conf" | wc -l)" -eq 1 ]
	# Nothing else changed: the admin's comment and every other line stay.
	run diff "$R/orig/nsswitch.conf" "$R/install/nsswitch.conf"
	[ "$(grep -c '^[<>]' <<<"$output")" -eq 2 ]
}

@test "deb: install enables pam_grouprole.so for account and session through pam-auth-update" {
	[ "$(pam_lines install common-account)" -eq 1 ]
	[ "$(pam_lines install common-session)" -eq 1 ]
	[ "$(pam_lines install common-auth)" -eq 0 ]
	[ "$(pam_lines install common-password)" -eq 0 ]
	grep -Eqx 'account[[:space:]]+required[[:space:]]+pam_grouprole\.so ?' "$R/install/pam.d/common-account"
	grep -Eqx 'session[[:space:]]+required[[:space:]]+pam_grouprole\.so ?' "$R/install/pam.d/common-session"
	[ "$(pam_lines orig common-account)" -eq 0 ]
	[ "$(pam_lines orig common-session)" -eq 0 ]
}

@test "deb: install creates the state directory and enables the daemon" {
	[ "$(cat "$R/install/statedir")" = "drwxr-xr-x root root" ]
	[ "$(cat "$R/install/enabled")" = "/lib/systemd/system/grouprole-scimd.service" ]
}

@test "deb: the installed grouprolectl imports the example directory; getent and id show the roles" {
	[ "$(cat "$R/import/which")" = "/usr/sbin/grouprolectl" ]
	grep -q 'admin' "$R/import/roles"
	# SRE (alice, liam) -> admin, oncall; Engineering -> developer.
	[ "$(sed -n 1p "$R/import/getent")" = "role-admin:*:200000:alice.nguyen,liam.obrien" ]
	[[ "$(sed -n 2p "$R/import/getent")" == role-developer:\*:200002:*bob.okafor* ]]
	[ "$(cat "$R/import/id-alice")" = "alice.nguyen role-admin role-developer role-oncall" ]
	[ "$(cat "$R/import/id-bob")" = "bob.okafor role-developer" ]
}

@test "deb: the daemon runs from its unit's command line, as its user, without capabilities" {
	[ "$(cat "$R/daemon/unit-user")" = root ]
	[ "$(cat "$R/daemon/unit-execstart")" = /usr/sbin/grouprole-scimd ]
	[ -s "$R/daemon/healthz" ]
	grep -Eq '^CapEff:[[:space:]]+0+$' "$R/daemon/daemon-status"
	grep -Eq '^CapBnd:[[:space:]]+0+$' "$R/daemon/daemon-status"
	grep -Eq '^NoNewPrivs:[[:space:]]+1$' "$R/daemon/daemon-status"
	# It answers SCIM for the directory with a token grouprolectl made.
	[ "$(cat "$R/daemon/scim-status")" = 200 ]
	[ "$(jq -r .totalResults "$R/daemon/scim-users.json")" -eq 20 ]
}

# The system calls a set of names and @groups of systemd-analyze stands for.
syscall_names() {
	local item
	for item in "$@"; do
		case $item in
		@*)
			systemd-analyze syscall-filter "$item" | tail -n +2 |
				sed -e 's/^[[:space:]]*//' -e '/^#/d' -e '/^$/d' |
				while read -r item; do syscall_names "$item"; done
			;;
		*) echo "$item" ;;
		esac
	done
}

@test "deb: every system call the daemon made passes the unit's SystemCallFilter" {
	command -v strace >/dev/null || skip "strace is missing"
	local d=$R/daemon exe used allowed denied line
	[ -s "$d/syscalls.trace" ]
	# From the daemon's execve on (before it, setpriv drops privileges);
	# a serving, publishing and stopping daemon (the upgrade step's run too).
	exe=$(cat "$d/unit-execstart")
	used=$(awk -v exe="execve(\"$exe\"" 'FNR == 1 { on = 0 } index($0, exe) { on = 1 } on' \
		"$d/syscalls.trace" "$R/upgrade/syscalls.trace" |
		sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p' | sort -u)
	[ "$(wc -l <<<"$used")" -gt 20 ]
	allowed="" denied=""
	while IFS= read -r line; do
		case $line in
		'~'*) denied+=" ${line#\~}" ;;
		*) allowed+=" $line" ;;
		esac
	done < <(sed -n 's/^SystemCallFilter=//p' "$d/unit")
	[ -n "$allowed" ]
	# shellcheck disable=SC2086
	run comm -23 <(echo "$used") <(comm -23 <(syscall_names $allowed | sort -u) \
		<(syscall_names $denied | sort -u))
	echo "filtered out: $output"
	[ -z "$output" ]
}

@test "deb: an ssh login through the installed modules shows the roles" {
	cat "$R/ssh/ssh.err" "$R/ssh/sshd.log" 2>/dev/null || true
	[ "$(sed -n 1p "$R/ssh/session")" = "ROLES=admin,developer,oncall" ]
	[ "$(sed -n 2p "$R/ssh/session")" = "GROUPS=alice.nguyen role-admin role-developer role-oncall " ]
}

@test "deb: an upgrade to a rebuilt version keeps config, data and tokens" {
	[ "$(cat "$R/upgrade/versions")" = "grouprole $PKG_VERSION2 ii
libnss-grouprole $PKG_VERSION2 ii
libpam-grouprole $PKG_VERSION2 ii" ]
	# The admin's edit of the conffile is kept.
	cmp "$R/import/grouprole.conf" "$R/upgrade/grouprole.conf"
	grep -qx 'login_domains = meridian.example contractor.example' "$R/upgrade/grouprole.conf"
	cmp "$R/import/export.json" "$R/upgrade/export.json"
	cmp "$R/import/roles" "$R/upgrade/roles"
	cmp "$R/import/getent" "$R/upgrade/getent"
	# Still registered once.
	[ "$(group_line upgrade)" = "group:          files grouprole systemd" ]
	[ "$(pam_lines upgrade common-account)" -eq 1 ]
	[ "$(pam_lines upgrade common-session)" -eq 1 ]
	# The token made before the upgrade still works with the new daemon.
	[ "$(cat "$R/upgrade/scim-status")" = 200 ]
	[ "$(jq -r .totalResults "$R/upgrade/scim-users.json")" -eq 20 ]
	# Under systemd, the postinst restarts the daemon after the upgrade.
	[ "$(cat "$R/upgrade/restart-snippet")" -ge 1 ]
}

@test "deb: remove keeps config and data, and puts nsswitch.conf and PAM back byte for byte" {
	# libpam-grouprole has no conffile and no postrm: nothing of it is left.
	[ "$(cat "$R/remove/versions")" = "grouprole $PKG_VERSION2 rc
libnss-grouprole $PKG_VERSION2 rc
libpam-grouprole  un" ]
	cmp "$R/orig/nsswitch.conf" "$R/remove/nsswitch.conf"
	for f in "$R"/orig/pam.d/common-*; do
		cmp "$f" "$R/remove/pam.d/$(basename "$f")"
	done
	cmp "$R/import/grouprole.conf" "$R/remove/grouprole.conf"
	grep -qx directory.tdb "$R/remove/state-files"
	grep -qx nss.tdb "$R/remove/state-files"
	# The module is gone: role groups are unknown.
	[ "$(cat "$R/remove/getent-rc")" -eq 2 ]
}

@test "deb: installing again after remove registers again and finds the old data" {
	[ "$(group_line reinstall)" = "group:          files grouprole systemd" ]
	[ "$(pam_lines reinstall common-account)" -eq 1 ]
	[ "$(pam_lines reinstall common-session)" -eq 1 ]
	[ "$(cat "$R/reinstall/getent")" = "role-admin:*:200000:alice.nguyen,liam.obrien" ]
	cmp "$R/import/grouprole.conf" "$R/reinstall/grouprole.conf"
	[ ! -e "$R/reinstall/marker" ]
}

@test "deb: purge removes config and data and restores nsswitch.conf and PAM byte for byte" {
	[ -f "$R/purge/versions" ]
	[ -z "$(cat "$R/purge/versions")" ]
	cmp "$R/orig/nsswitch.conf" "$R/purge/nsswitch.conf"
	for f in "$R"/orig/pam.d/common-*; do
		cmp "$f" "$R/purge/pam.d/$(basename "$f")"
	done
	[ -f "$R/purge/left" ]
	[ -z "$(cat "$R/purge/left")" ]
}

@test "deb: a fresh install after purge starts from the packaged configuration" {
	[ "$(cat "$R/fresh/versions")" = "grouprole $PKG_VERSION ii
libnss-grouprole $PKG_VERSION ii
libpam-grouprole $PKG_VERSION ii" ]
	[ "$(group_line fresh)" = "group:          files grouprole systemd" ]
	[ "$(pam_lines fresh common-account)" -eq 1 ]
	cmp "$R/install/grouprole.conf" "$R/fresh/grouprole.conf"
	# The purged database did not come back.
	[ "$(cat "$R/fresh/roles-rc")" -eq 1 ]
	grep -q 'no database' "$R/fresh/roles"
	[ -f "$R/finished" ]
}
