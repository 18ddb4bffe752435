#!/bin/sh
# Build the Debian or RPM packages from a copy of the source tree.
#
#   packaging/build.sh deb OUTDIR [VERSION]   .deb, .changes, .buildinfo into OUTDIR
#   packaging/build.sh rpm OUTDIR             .rpm into OUTDIR/rpm
#
# The copy holds what git tracks plus new files git does not ignore (or, in
# an unpacked tarball without .git, everything but build directories), so
# neither a build/ directory nor a half-built object leaks into a package,
# and the work tree is never written to.  VERSION (deb only) adds a
# changelog entry on top, e.g. for an upgrade test.  No network is used.
set -eu

kind=$1
out=$2
version=${3:-}
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work="$out/$kind-work"
rm -rf "$work"
mkdir -p "$work"

# A package build is a packager's build, whoever calls it: not make check's
# sanitizers, build directory or jobserver (MAKEFLAGS reaches the make that
# dpkg-buildpackage and rpmbuild run), not -Werror (CI, DEVELOPER).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES SANITIZE B CI DEVELOPER V

# Two jobs at most: the machines this builds on have two cores, shared.
case " ${DEB_BUILD_OPTIONS:-} " in
*" parallel="*) ;;
*) DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=2" ;;
esac
export DEB_BUILD_OPTIONS

upstream=$(sed -n '1s/^grouprole (\([^)]*\)).*/\1/p' "$src/packaging/debian/changelog")
[ -n "$upstream" ] || { echo "build.sh: no version in packaging/debian/changelog" >&2; exit 1; }

export_tree() {
	dest=$1
	mkdir -p "$dest"
	if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		# Tracked files (as they are now, edits included) and new ones.
		(cd "$src" && git ls-files -z --cached --others --exclude-standard |
			tr '\0' '\n' | while IFS= read -r f; do
				[ -e "$f" ] && printf '%s\n' "$f"
			done) | tar -C "$src" -cf - -T - | tar -C "$dest" -xf -
	else
		tar -C "$src" --exclude='./build' --exclude='./build-*' -cf - . | tar -C "$dest" -xf -
	fi
}

case $kind in
deb)
	tree="$work/grouprole-$upstream"
	export_tree "$tree"
	cp -R "$src/packaging/debian" "$tree/debian"
	if [ -n "$version" ]; then
		{
			printf 'grouprole (%s) unstable; urgency=medium\n\n' "$version"
			printf '  * Rebuilt as version %s.\n\n' "$version"
			sed -n '/^ -- /{p;q}' "$tree/debian/changelog"
			echo
			cat "$tree/debian/changelog"
		} >"$tree/debian/changelog.new"
		mv "$tree/debian/changelog.new" "$tree/debian/changelog"
	fi
	(cd "$tree" && dpkg-buildpackage -b --no-sign) >"$work/build.log" 2>&1 || {
		tail -n 40 "$work/build.log" >&2
		echo "build.sh: dpkg-buildpackage failed (log: $work/build.log)" >&2
		exit 1
	}
	rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
	mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out/"
	ls "$out"/*.deb
	;;
rpm)
	command -v rpmbuild >/dev/null || { echo "build.sh: rpmbuild is missing (Debian: apt-get install rpm)" >&2; exit 1; }
	version=$(sed -n 's/^Version:[[:space:]]*//p' "$src/packaging/rpm/grouprole.spec")
	export_tree "$work/grouprole-$version"
	mkdir -p "$work/SOURCES" "$work/BUILD" "$work/RPMS" "$work/SRPMS" "$work/SPECS"
	tar -C "$work" -czf "$work/SOURCES/grouprole-$version.tar.gz" "grouprole-$version"
	rm -rf "${work:?}/grouprole-$version"
	cp "$src/packaging/rpm/grouprole.spec" "$work/SPECS/"
	# --nodeps: here the build dependencies are Debian packages, which
	# rpm's own database does not know about.
	# Debian's rpm lacks Fedora's systemd macros: load stand-ins.
	set --
	if [ "$(rpm --eval '%{?_unitdir}')" = "" ]; then
		set -- --load "$src/packaging/rpm/macros.debian-host"
	fi
	rpmbuild "$@" -bb --nodeps --define "_topdir $work" \
		--define "_smp_mflags -j2" "$work/SPECS/grouprole.spec" >"$work/build.log" 2>&1 || {
		tail -n 40 "$work/build.log" >&2
		echo "build.sh: rpmbuild failed (log: $work/build.log)" >&2
		exit 1
	}
	rm -rf "$out/rpm"
	mkdir -p "$out/rpm"
	find "$work/RPMS" -name '*.rpm' -exec mv {} "$out/rpm/" \;
	ls "$out"/rpm/*.rpm
	;;
*)
	echo "usage: packaging/build.sh deb|rpm OUTDIR [VERSION]" >&2
	exit 2
	;;
esac
