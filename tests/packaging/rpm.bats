#!/usr/bin/env bats
# The RPMs (packaging/rpm/grouprole.spec): built with rpmbuild from a copy of
# the tree, rpmlint-clean, holding the same files as the Debian packages, and
# their scriptlets run by the real rpm against a scratch root in a private
# mount namespace (rpm-scriptlets.sh).
#
# Needs rpmbuild (Debian: the rpm package; make deps installs it) and, for
# the scriptlets, root; skipped with the reason otherwise, but failing when
# CI=true.
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	export GR_SRCDIR=${GR_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	export GR_BUILD=${GR_BUILD:-$GR_SRCDIR/build}
	local tool
	RPM_SKIP=""
	for tool in rpmbuild rpm rpmlint dpkg-buildpackage; do
		command -v "$tool" >/dev/null 2>&1 || RPM_SKIP="$RPM_SKIP missing $tool;"
	done
	export RPM_SKIP
	[ -z "$RPM_SKIP" ] || return 0
	local top=$GR_BUILD/test-packages-rpm
	rm -rf "$top"
	mkdir -p "$top"
	export RPM_TOP=$top RPM_DIR=$top/rpm RPM_RES=$top/results
	sh "$GR_SRCDIR/packaging/build.sh" rpm "$top" >"$top/build.log" 2>&1 ||
		{ cat "$top/build.log" >&3; return 1; }
	# The Debian packages to compare with: deb.bats built them; build them
	# here when this file runs alone.
	export DEB_DIR=$GR_BUILD/test-packages/v1
	if ! ls "$DEB_DIR"/grouprole_*.deb >/dev/null 2>&1; then
		DEB_DIR=$top/deb
		sh "$GR_SRCDIR/packaging/build.sh" deb "$DEB_DIR" >"$top/build-deb.log" 2>&1 ||
			{ cat "$top/build-deb.log" >&3; return 1; }
	fi
	if [ "$(id -u)" = 0 ] && unshare --mount true 2>/dev/null; then
		source "$BATS_TEST_DIRNAME/../e2e/ns-lib.sh"
		export NS_TIMEOUT=120
		ns_run "source \"$BATS_TEST_DIRNAME/rpm-scriptlets.sh\"" >"$top/scriptlets.log" 2>&1 ||
			echo "scriptlets exited with $?" >>"$top/scriptlets.log"
	fi
}

setup() {
	pkg_skip_unless_ready "$RPM_SKIP"
	R=$RPM_RES
}

need_root() {
	source "$BATS_TEST_DIRNAME/../e2e/ns-lib.sh"
	ns_require_root
}

teardown() {
	pkg_log_on_failure "$RPM_SKIP" "scriptlets log" "$RPM_TOP/scriptlets.log"
}

# The regular files and symlinks of a package, with the paths both formats
# spell differently made alike: the library and unit directories, compressed
# man pages and documents, and what each format adds of its own (Debian's
# copyright and changelog, RPM's license and build-id links).
normalize() {
	sed -E -e 's|^/usr/lib/[a-z0-9_]+-linux-gnu[a-z0-9_]*/|LIBDIR/|' -e 's|^/usr/lib64/|LIBDIR/|' \
		-e 's|^(/usr)?/lib/systemd/system/|UNITDIR/|' \
		-e 's|^/usr/share/doc/[^/]+/|DOCDIR/|' -e 's|\.gz$||' |
		grep -Ev '^(DOCDIR/(copyright|changelog)|/usr/share/licenses/|/usr/lib/\.build-id/)' | sort
}

deb_files() {
	dpkg-deb -c "$1" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./|/|' | normalize
}

rpm_files() {
	rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$1" | awk '$1 !~ /^d/ { print $2 }' | normalize
}

@test "rpm: four packages built, rpmlint reports nothing" {
	for p in grouprole grouprole-nss grouprole-pam cockpit-grouprole; do
		ls "$RPM_DIR/$p"-[0-9]*.rpm
	done
	run rpmlint -c "$GR_SRCDIR/packaging/rpm/rpmlint.toml" "$GR_SRCDIR/packaging/rpm/grouprole.spec" \
		"$RPM_DIR"/*.rpm
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q ' 0 errors, 0 warnings' <<<"$output"
}

@test "rpm: the same version as the Debian packages" {
	local deb_version rpm_version
	deb_version=$(sed -n '1s/^grouprole (\([^)]*\)).*/\1/p' "$GR_SRCDIR/packaging/debian/changelog")
	rpm_version=$(rpm -qp --qf '%{VERSION}' "$RPM_DIR"/grouprole-[0-9]*.rpm)
	[ "$deb_version" = "$rpm_version" ]
}

@test "rpm: rpm -qpl lists the same files as the Debian packages" {
	local pair deb rpm
	for pair in grouprole:grouprole libnss-grouprole:grouprole-nss libpam-grouprole:grouprole-pam \
		cockpit-grouprole:cockpit-grouprole; do
		deb=${pair%%:*}
		rpm=${pair##*:}
		deb_files "$DEB_DIR/${deb}"_*.deb >"$BATS_TEST_TMPDIR/$deb"
		rpm_files "$RPM_DIR/$rpm"-[0-9]*.rpm >"$BATS_TEST_TMPDIR/$rpm"
		[ -s "$BATS_TEST_TMPDIR/$rpm" ]
		run diff "$BATS_TEST_TMPDIR/$deb" "$BATS_TEST_TMPDIR/$rpm"
		echo "$deb vs $rpm:"
		echo "$output"
		case $rpm in
		# Each format's own way to enable the PAM module.
		grouprole-pam)
			[ "$(grep '^[<>]' <<<"$output" | sort)" = "< /usr/share/pam-configs/grouprole
> /usr/libexec/grouprole/authselect-profile" ]
			;;
		*) [ "$status" -eq 0 ] ;;
		esac
	done
	# The configuration is a %config(noreplace) file, the state directory is the package's.
	run -0 rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$RPM_DIR"/grouprole-[0-9]*.rpm
	grep -qx 'cn /etc/grouprole/grouprole.conf' <<<"$output"
	run -0 rpm -qpl "$RPM_DIR"/grouprole-[0-9]*.rpm
	grep -qx /var/lib/grouprole <<<"$output"
}

@test "rpm: scriptlets enable the unit, create the state dir and register NSS only on install" {
	run -0 rpm -qp --scripts "$RPM_DIR"/grouprole-nss-*.rpm
	grep -q 'nsswitch-grouprole add /etc/nsswitch.conf' <<<"$output"
	grep -q 'nsswitch-grouprole remove /etc/nsswitch.conf' <<<"$output"
	run -0 rpm -qp --scripts "$RPM_DIR"/grouprole-[0-9]*.rpm
	grep -q 'grouprole-scimd.service' <<<"$output"
	grep -q 'grouprolectl publish' <<<"$output"
}

@test "rpm: installed with rpm --root, the NSS package registers grouprole after files once" {
	need_root
	[ "$(grep '^group:' "$R/install/nsswitch.conf")" = "group:      files grouprole systemd" ]
	[ "$(grep -o grouprole "$R/install/nsswitch.conf" | wc -l)" -eq 1 ]
	[ "$(cat "$R/install/statedir")" = "drwxr-xr-x root root" ]
	[ "$(wc -l <"$R/install/versions")" -eq 3 ]
}

@test "rpm: an upgrade keeps the registration and the admin's configuration" {
	need_root
	[ "$(grep '^group:' "$R/upgrade/nsswitch.conf")" = "group:      files grouprole systemd" ]
	grep -qx 'login_domains = example.com' "$R/upgrade/grouprole.conf"
}

@test "rpm: erase puts nsswitch.conf back byte for byte" {
	need_root
	[ -z "$(cat "$R/erase/versions")" ]
	cmp "$R/orig/nsswitch.conf" "$R/erase/nsswitch.conf"
	# The changed configuration is kept as .rpmsave.
	[ "$(cat "$R/erase/etc-grouprole")" = "grouprole.conf.rpmsave" ]
}

@test "rpm: where authselect manages nsswitch.conf, the NSS package leaves it alone" {
	need_root
	[ "$(grep '^group:' "$R/authselect/nsswitch.conf")" = "group:      files systemd" ]
	grep -q 'authselect manages nsswitch.conf' "$R/authselect/rpm.log"
}

@test "rpm: authselect-profile makes custom/grouprole from the current profile and selects it" {
	need_root
	local p=$R/authselect-profile
	[ "$(cat "$p/selected")" = "select custom/grouprole with-grouprole with-mdns4 with-silent-lastlog" ]
	[ "$(grep '^group:' "$p/nsswitch.conf")" = 'group:      files {if "with-grouprole":grouprole }{if "with-altfiles":altfiles }systemd' ]
	[ "$(grep '^passwd:' "$p/nsswitch.conf")" = 'passwd:     files {if "with-altfiles":altfiles }systemd' ]
	for f in system-auth password-auth; do
		# Right after the last account line and the last session line.
		[ "$(grep -A1 '^account.*pam_unix.so$' "$p/$f" | tail -n 1)" = 'account     required                                     pam_grouprole.so {include if "with-grouprole"}' ]
		[ "$(tail -n 1 "$p/$f")" = 'session     required                                     pam_grouprole.so {include if "with-grouprole"}' ]
		[ "$(grep -c pam_grouprole "$p/$f")" -eq 2 ]
	done
	[ -f "$R/finished" ]
}
