# packaging/: Debian and RPM packages built from a copy of this tree, so the
# work tree stays clean.  Results go to $(B)/packages/.
#
#   make deb [DEB_VERSION=V]   grouprole, libnss-grouprole, libpam-grouprole (.deb)
#   make rpm                   grouprole, grouprole-nss, grouprole-pam (.rpm)
#   make lintian               lintian on the .debs make deb built
#   make rpmlint               rpmlint on the spec and the .rpms make rpm built

PKG_OUT := $(B)/packages

.PHONY: deb rpm lintian rpmlint
deb:
	@sh packaging/build.sh deb $(PKG_OUT) $(DEB_VERSION)

rpm:
	@sh packaging/build.sh rpm $(PKG_OUT)

lintian:
	lintian --fail-on error,warning --info $(PKG_OUT)/grouprole_*.changes

rpmlint:
	rpmlint -c packaging/rpm/rpmlint.toml packaging/rpm/grouprole.spec \
		$(PKG_OUT)/rpm/*.rpm

# Tests of the packages (run by make check): building, lintian, installing
# them with dpkg in a private mount namespace, and the RPM.
TEST_SCRIPTS += tests/packaging/deb.bats tests/packaging/rpm.bats tests/packaging/nsswitch.bats
