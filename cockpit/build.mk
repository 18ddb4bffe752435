# cockpit/: grouprole's Cockpit page (package cockpit-grouprole).  Plain
# HTML, CSS and JavaScript that run as they are: nothing is built or fetched.
# The page uses only what Cockpit itself serves (../base1/cockpit.js).

COCKPIT_DIR   ?= $(PREFIX)/share/cockpit/grouprole
COCKPIT_FILES := cockpit/manifest.json cockpit/index.html cockpit/grouprole.js cockpit/grouprole.css

.PHONY: install-cockpit
install: install-cockpit
install-cockpit:
	$(INSTALL) -d $(DESTDIR)$(COCKPIT_DIR)
	$(INSTALL) -m 0644 $(COCKPIT_FILES) $(DESTDIR)$(COCKPIT_DIR)/

# The page in a real Cockpit with headless Chromium (root; see the test).
TEST_SCRIPTS += tests/console/console.bats
