#!/bin/sh
# cockpit-backports.sh DIR: a newer Cockpit than the host's, for the console
# test (console.bats), without installing it.  Downloads cockpit-ws,
# cockpit-bridge and cockpit-system from Debian's bookworm-backports with
# apt-get, using a sources list, package lists and a cache of its own under
# DIR (the host's apt configuration and dpkg database are only read), and
# extracts them with dpkg-deb -x into DIR/root.  console-ns.sh then
# bind-mounts DIR/root over the host's Cockpit inside the test's private
# mount namespace.
#
# The packages stay in DIR/debs and the extracted tree in DIR/root: a
# second run downloads nothing.  Remove DIR to fetch the current version
# again.
#
# Prints the Cockpit version (e.g. 337) on success.  Exit status 2 when the
# download failed (no network, or the archive no longer has the packages),
# with the reason on standard error: the test skips then.  Any other
# non-zero status is a failure.
#
# Beyond the three packages, 337 depends on python3 (its bridge is Python;
# the test needs python3 for Selenium anyway) and, for cockpit-ws,
# libnss-systemd: that one serves the DynamicUser of cockpit-ws's systemd
# units, which the test does not use (it starts cockpit-ws itself, as root).
set -eu

SUITE=bookworm-backports
PACKAGES="cockpit-ws cockpit-bridge cockpit-system"

dir=${1:?usage: cockpit-backports.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

if [ -f "$dir/root/.version" ]; then
	cat "$dir/root/.version"
	exit 0
fi

for p in apt-get dpkg-deb; do
	command -v "$p" >/dev/null 2>&1 || {
		echo "cockpit-backports: $p is not installed (a Debian host is needed)" >&2
		exit 2
	}
done

have_debs() {
	for p in $PACKAGES; do
		ls "$dir/debs/${p}_"*.deb >/dev/null 2>&1 || return 1
	done
}

if ! have_debs; then
	mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/debs.new"
	echo "deb http://deb.debian.org/debian $SUITE main" >"$dir/apt/sources.list"
	set -- -q -o Dir::Etc::sourcelist="$dir/apt/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$dir/apt/lists" -o Dir::Cache="$dir/apt/cache" \
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root -o Acquire::Retries=2 \
		-o Acquire::http::Timeout=30
	if ! timeout 300 apt-get "$@" update >"$dir/apt/update.log" 2>&1 ||
		grep -Eq '^(E|Err):' "$dir/apt/update.log"; then
		echo "cockpit-backports: apt-get update of $SUITE failed:" \
			"$(grep -E '^(W|E|Err):' "$dir/apt/update.log" | head -n 3 | tr '\n' ' ')" >&2
		exit 2
	fi
	targets=""
	for p in $PACKAGES; do targets="$targets $p/$SUITE"; done
	# shellcheck disable=SC2086 # one word per package
	if ! (cd "$dir/debs.new" && timeout 300 apt-get "$@" download $targets) \
		>"$dir/apt/download.log" 2>&1; then
		echo "cockpit-backports: apt-get download of$targets failed:" \
			"$(grep -E '^(W|E|Err):' "$dir/apt/download.log" | head -n 3 | tr '\n' ' ')" >&2
		exit 2
	fi
	rm -rf "$dir/debs"
	mv "$dir/debs.new" "$dir/debs"
	rm -rf "$dir/apt/cache"
fi

# One upstream version across the three packages, or this is not one Cockpit.
version=""
for p in $PACKAGES; do
	set -- "$dir/debs/${p}_"*.deb
	[ "$#" -eq 1 ] || { echo "cockpit-backports: more than one $p in $dir/debs: $*" >&2; exit 1; }
	v=$(dpkg-deb -f "$1" Version)
	v=${v%%-*}
	[ -z "$version" ] || [ "$v" = "$version" ] || {
		echo "cockpit-backports: $p is $v, not $version like the others" >&2
		exit 1
	}
	version=$v
done

rm -rf "$dir/root.new"
mkdir -p "$dir/root.new"
for f in "$dir/debs/"*.deb; do
	dpkg-deb -x "$f" "$dir/root.new"
done
for f in usr/lib/cockpit/cockpit-ws usr/lib/cockpit/cockpit-session usr/bin/cockpit-bridge \
	usr/lib/python3/dist-packages/cockpit/bridge.py usr/share/cockpit/shell/manifest.json \
	usr/share/cockpit/static/login.html; do
	[ -e "$dir/root.new/$f" ] || {
		echo "cockpit-backports: Cockpit $version has no /$f" >&2
		exit 1
	}
done
echo "$version" >"$dir/root.new/.version"
rm -rf "$dir/root"
mv "$dir/root.new" "$dir/root"
echo "$version"
