# cockpit/: grouprole's Cockpit page (package cockpit-grouprole).  Plain
# HTML, CSS and JavaScript that run as they are: nothing is built or fetched.
# The page uses only what Cockpit itself serves (../base1/cockpit.js).  The
# JavaScript is ES modules: grouprole.js, the entry, imports the files next
# to it and one file per view in views/ (see the list in grouprole.js).

COCKPIT_DIR   ?= $(PREFIX)/share/cockpit/grouprole
COCKPIT_FILES := cockpit/manifest.json cockpit/index.html cockpit/grouprole.css \
	$(sort $(wildcard cockpit/*.js))
COCKPIT_VIEWS := $(sort $(wildcard cockpit/views/*.js))

.PHONY: install-cockpit
install: install-cockpit
install-cockpit:
	$(INSTALL) -d $(DESTDIR)$(COCKPIT_DIR) $(DESTDIR)$(COCKPIT_DIR)/views
	$(INSTALL) -m 0644 $(COCKPIT_FILES) $(DESTDIR)$(COCKPIT_DIR)/
	$(INSTALL) -m 0644 $(COCKPIT_VIEWS) $(DESTDIR)$(COCKPIT_DIR)/views/

# The modules parse and link (node, when installed; cheap), then the page in
# a real Cockpit with headless Chromium (root; see the test).
TEST_SCRIPTS += tests/console/modules.bats tests/console/console.bats
