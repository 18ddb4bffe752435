#!/usr/bin/env bats
# What libnss_grouprole.so.2 exports and links: only the eleven NSS entry
# points, only libtdb and libc, never unloaded.
load nss_helpers

@test "exports exactly the eleven _nss_grouprole_* entry points" {
	run -0 nm -D --defined-only "$NSS_MODULE"
	got=$(printf '%s\n' "$output" | awk 'NF { print $NF }' | sort)
	want=$(printf '%s\n' _nss_grouprole_endgrent _nss_grouprole_getgrent_r \
		_nss_grouprole_getgrgid_r _nss_grouprole_getgrnam_r \
		_nss_grouprole_initgroups_dyn _nss_grouprole_setgrent \
		_nss_grouprole_endpwent _nss_grouprole_getpwent_r \
		_nss_grouprole_getpwnam_r _nss_grouprole_getpwuid_r _nss_grouprole_setpwent | sort)
	[ "$got" = "$want" ] || { echo "exported:"; echo "$got"; false; }
}

@test "links against libtdb and libc only" {
	run -0 readelf -d "$NSS_MODULE"
	got=$(printf '%s\n' "$output" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
		grep -Ev '^lib(a|ub)san\.so' | sort | tr '\n' ' ')
	[ "$got" = "libc.so.6 libtdb.so.1 " ] || { echo "needed: $got"; false; }
	# Sanitizer runtimes only when built with them.
	if [ -z "${GR_SANITIZE:-}" ]; then
		! printf '%s\n' "$output" | grep -q 'san\.so'
	fi
}

@test "is linked -z nodelete and named libnss_grouprole.so.2" {
	run -0 readelf -d "$NSS_MODULE"
	printf '%s\n' "$output" | grep -q 'FLAGS_1.*NODELETE'
	printf '%s\n' "$output" | grep -q 'SONAME.*\[libnss_grouprole\.so\.2\]'
}

@test "the unsanitized copy for host programs exports the same" {
	[ -n "${GR_NSS_MODULE_HOST:-}" ] || skip "GR_NSS_MODULE_HOST not set (run through make check)"
	a=$(nm -D --defined-only "$NSS_MODULE" | awk '{ print $NF }' | sort)
	b=$(nm -D --defined-only "$GR_NSS_MODULE_HOST" | awk '{ print $NF }' | sort)
	[ "$a" = "$b" ]
	run -0 readelf -d "$GR_NSS_MODULE_HOST"
	! printf '%s\n' "$output" | grep -q 'san\.so'
}
