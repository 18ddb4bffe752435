#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""grouprole's Cockpit page driven by headless Chromium through a real Cockpit.

Run by console.bats inside the namespace console-ns.sh builds, with
cockpit-ws on 127.0.0.1:9090.  Each step acts through the page, then checks
the outcome where it lands: the member's groups through glibc and the NSS
module (`id -Gn`), the database through `grouprolectl --json`.  Every wait
is bounded and waits for a condition of the DOM; nothing sleeps.  A
screenshot per step goes to $CONSOLE_ARTIFACTS.
"""
import json
import os
import subprocess
import sys

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = "http://127.0.0.1:9090"
PASSWORD = os.environ["CONSOLE_PASSWORD"]
ARTIFACTS = os.environ["CONSOLE_ARTIFACTS"]
SCRATCH = os.environ["NS_SCRATCH"]
WAIT = 30  # seconds, the bound of every wait
# Set when the test runs against another Cockpit than the host's: the
# version the shell must report after login.
COCKPIT_VERSION = os.environ.get("CONSOLE_COCKPIT_VERSION")

step_no = 0


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


def ctl(*args, ok=True):
    """grouprolectl --json ARGS as root, the page's own source of truth."""
    r = subprocess.run(["/usr/sbin/grouprolectl", "--json", *args],
                       capture_output=True, text=True, timeout=WAIT)
    if ok and r.returncode != 0:
        raise Failed(f"grouprolectl {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
    return json.loads(r.stdout) if r.stdout.strip() else None


def groups_of(user):
    """The user's groups as any process sees them: glibc, nsswitch, our module."""
    r = subprocess.run(["id", "-Gn", user], capture_output=True, text=True, timeout=WAIT, check=True)
    return set(r.stdout.split())


def browser(user):
    opts = Options()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=1280,800", "--lang=en-US", "--no-first-run",
              f"--user-data-dir={SCRATCH}/chromium-{user}"):
        opts.add_argument(a)
    service = Service("/usr/bin/chromedriver", log_path=f"{SCRATCH}/chromedriver-{user}.log")
    d = webdriver.Chrome(service=service, options=opts)
    d.set_page_load_timeout(WAIT)
    d.set_script_timeout(WAIT)
    return d


def wait(d, cond, what):
    try:
        return WebDriverWait(d, WAIT).until(cond)
    except TimeoutException:
        shot(d, "timeout")
        raise Failed(f"timed out after {WAIT}s waiting for {what}") from None


def shot(d, name):
    global step_no
    step_no += 1
    d.save_screenshot(os.path.join(ARTIFACTS, f"{step_no:02d}-{name}.png"))


def login(user):
    """Log in on Cockpit's login page and open the page in the shell."""
    d = browser(user)
    d.get(BASE + "/")
    wait(d, EC.visibility_of_element_located((By.ID, "login-user-input")), "the login form")
    # Ask for administrative access at login, as Cockpit remembers for a
    # user who chose it before: the bridge then tries sudo with this password.
    d.execute_script("window.localStorage.setItem('superuser:' + arguments[0], 'any')", user)
    d.find_element(By.ID, "login-user-input").send_keys(user)
    d.find_element(By.ID, "login-password-input").send_keys(PASSWORD)
    d.find_element(By.ID, "login-button").click()
    wait(d, EC.url_contains("/system"), "the shell after login")
    if COCKPIT_VERSION:
        # The shell's cockpit.js has the version cockpit-ws announced
        # (cockpit.info, which Cockpit 287 does not have).
        seen = None

        def version(d):
            nonlocal seen
            seen = d.execute_script(
                "return window.cockpit && cockpit.info ? (cockpit.info.version || null) : 'none'")
            return seen is not None
        wait(d, version, "the shell's cockpit.info.version")
        check(seen == COCKPIT_VERSION, f"the shell runs on Cockpit {COCKPIT_VERSION}, got {seen!r}")
    d.get(BASE + "/grouprole")
    wait(d, EC.frame_to_be_available_and_switch_to_it(
        (By.CSS_SELECTOR, "iframe[name='cockpit1:localhost/grouprole']")), "the grouprole frame")
    return d


def view_ready(d):
    main = wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, "main[aria-busy='false']")),
                "the view to load")
    words = set(d.execute_script("return document.querySelector('main').innerText").split())
    check(not words & {"null", "undefined", "NaN", "[object"}, f"the view shows no JavaScript leftovers: {words}")
    return main


def rerender(d, action, what):
    """Do ACTION, then wait until the view was drawn again and has loaded."""
    old = d.find_element(By.CSS_SELECTOR, "main > *")
    action()
    wait(d, EC.staleness_of(old), what)
    view_ready(d)


def tab(d, name):
    rerender(d, lambda: d.find_element(By.ID, "tab-" + name).click(), f"the {name} view")


def text_of(d, css):
    return " ".join(e.text for e in d.find_elements(By.CSS_SELECTOR, css))


def live_text(d, css):
    """text_of in one script: a view drawn again meanwhile leaves no stale element."""
    return d.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText).join(' ')", css)


def open_group(d, name):
    tab(d, "groups")
    rerender(d, lambda: d.find_element(By.LINK_TEXT, name).click(), f"group {name}'s page")
    check(d.find_element(By.CSS_SELECTOR, "main h2").text == "Group " + name, f"group {name}'s page")


def tenant_roles_shown(d):
    # One script, so a view drawn again meanwhile cannot leave stale elements.
    return set(d.execute_script(
        "return [...document.querySelectorAll('button.gr-remove')].map(b => b.dataset.role)"))


def dialog(d):
    return wait(d, EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog.gr-dialog[open]")),
                "the dialog")


def dialog_closed(d):
    wait(d, EC.invisibility_of_element_located((By.CSS_SELECTOR, "dialog.gr-dialog")),
         "the dialog to close")


def test_no_database(d):
    view_ready(d)
    msg = text_of(d, "main [role=alert]")
    check("no grouprole database" in msg, f"no-database message, got {msg!r}")
    shot(d, "no-database")
    tab(d, "roles")
    check(d.find_elements(By.ID, "create-role"), "Roles offers Create role without a database")


def load_directory():
    ctl("directory", "create", "okta")
    for slug, name in (("dev", "Developer"), ("oncall", "On-call"), ("admin", "Administrator")):
        ctl("role", "create", slug, "--name", name)
    ctl("import", "--directory", "okta", f"{SCRATCH}/users.json", f"{SCRATCH}/groups.json")
    # This host serves payments; Engineering is admin there, once auto-membership is on.
    ctl("org", "create", "payments")
    ctl("org", "connection", "enable", "payments", "okta", "--auto-membership", "off")
    ctl("org", "group", "roles", "assign", "payments", "Engineering", "admin")


def test_assign_two(d):
    before = groups_of("alice")
    check(not {"role-dev", "role-oncall"} & before, f"alice starts without the roles: {before}")
    tab(d, "groups")
    search = wait(d, EC.visibility_of_element_located((By.CSS_SELECTOR, "main input[type=search]")),
                  "the group search")
    search.send_keys("sr")
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "main tbody tr")) == 1,
         "the search to leave one group")
    shot(d, "groups-search")
    open_group(d, "SRE")
    d.find_element(By.ID, "assign-roles").click()
    dlg = dialog(d)
    # Focus moves into the dialog, on its search field.
    active = d.switch_to.active_element
    check(active.get_attribute("type") == "search", "focus on the dialog's search field")
    submit = dlg.find_element(By.CSS_SELECTOR, "button[type=submit]")
    check(not submit.is_enabled(), "Assign is disabled with nothing chosen")
    active.send_keys("on")
    wait(d, lambda d: d.execute_script(
        "return [...document.querySelectorAll('dialog input[type=checkbox]')].map(b => b.value)") == ["oncall"],
         "the role search to leave oncall")
    dlg.find_element(By.CSS_SELECTOR, "input[value=oncall]").send_keys(Keys.SPACE)
    active.clear()
    active.send_keys("dev")
    box = wait(d, EC.element_to_be_clickable((By.CSS_SELECTOR, "dialog input[value=dev]")), "dev")
    box.click()
    check(submit.is_enabled(), "Assign is enabled with two roles chosen")
    shot(d, "assign-dialog")
    submit.click()
    dialog_closed(d)
    wait(d, lambda d: tenant_roles_shown(d) == {"dev", "oncall"}, "both roles on the group's page")
    check(d.switch_to.active_element.get_attribute("id") == "assign-roles",
          "focus is back on Assign roles in the page drawn again")
    shot(d, "assigned")
    check(sorted(ctl("group", "roles", "list", "SRE")) == ["dev", "oncall"], "the CLI shows both")
    after = groups_of("alice")
    check({"role-dev", "role-oncall"} <= after, f"alice gains role-dev and role-oncall: {after}")
    check(not {"role-dev", "role-oncall"} & groups_of("bob"), "bob, not in SRE, gains neither")


def test_remove_one(d):
    d.find_element(By.CSS_SELECTOR, "button.gr-remove[data-role=oncall]").click()
    dlg = dialog(d)
    check("oncall" in dlg.text, "the confirmation names the role")
    shot(d, "remove-confirm")
    dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dialog_closed(d)
    wait(d, lambda d: tenant_roles_shown(d) == {"dev"}, "oncall gone from the group's page")
    check(d.switch_to.active_element.tag_name == "main", "with its button gone, focus is on the view")
    shot(d, "removed")
    check(ctl("group", "roles", "list", "SRE") == ["dev"], "the CLI shows dev only")
    after = groups_of("alice")
    check("role-oncall" not in after and "role-dev" in after, f"alice lost role-oncall only: {after}")


def test_cancel_keeps_state(d):
    d.find_element(By.CSS_SELECTOR, "button.gr-remove[data-role=dev]").click()
    dialog(d)
    d.switch_to.active_element.send_keys(Keys.ESCAPE)
    dialog_closed(d)
    check(ctl("group", "roles", "list", "SRE") == ["dev"], "Escape removes nothing")
    check(d.switch_to.active_element.get_attribute("data-role") == "dev",
          "focus returns to the trash button that opened the dialog")


def test_create_role(d):
    tab(d, "roles")
    create = wait(d, EC.element_to_be_clickable((By.ID, "create-role")), "Create role")
    create.click()
    dlg = dialog(d)
    dlg.find_element(By.NAME, "slug").send_keys("auditor")
    dlg.find_element(By.NAME, "name").send_keys("Auditor")
    dlg.find_element(By.NAME, "description").send_keys("Reads the audit logs")
    dlg.find_element(By.NAME, "priority").send_keys("40")
    shot(d, "create-role")
    dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dialog_closed(d)
    wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, "button.gr-delete[data-role=auditor]")),
         "auditor in the role list")
    shot(d, "role-created")
    r = ctl("role", "show", "auditor")
    check((r["name"], r["description"], r["priority"]) == ("Auditor", "Reads the audit logs", 40),
          f"the CLI has the role as entered: {r}")


def test_refusal(d):
    """The CLI refuses a second 'dev'; the dialog shows its reason and stays."""
    before = ctl("role", "list")
    d.find_element(By.ID, "create-role").click()
    dlg = dialog(d)
    dlg.find_element(By.NAME, "slug").send_keys("dev")
    dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    alert = wait(d, EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog [role=alert]")),
                 "the refusal in the dialog")
    r = subprocess.run(["/usr/sbin/grouprolectl", "role", "create", "dev"], capture_output=True,
                       text=True, timeout=WAIT)
    cli = r.stderr.strip().removeprefix("grouprolectl: ")
    check(r.returncode == 1 and cli and cli in alert.text,
          f"the dialog shows the CLI's reason {cli!r}, got {alert.text!r}")
    shot(d, "refused")
    dlg.find_element(By.CSS_SELECTOR, "button[value=cancel]").click()
    dialog_closed(d)
    check(ctl("role", "list") == before, "a refused request changes nothing")


def test_delete_consequences(d):
    d.find_element(By.CSS_SELECTOR, "button.gr-delete[data-role=dev]").click()
    dlg = dialog(d)
    check("SRE (okta), tenant-wide" in dlg.text, f"the delete dialog lists who loses dev: {dlg.text!r}")
    shot(d, "delete-consequences")
    dlg.find_element(By.CSS_SELECTOR, "button[value=cancel]").click()
    dialog_closed(d)
    check(any(r["slug"] == "dev" for r in ctl("role", "list")), "cancel keeps the role")


def test_edit_role(d):
    """Edit auditor's name, description and priority; the slug stays."""
    d.find_element(By.CSS_SELECTOR, "button.gr-edit[data-role=auditor]").click()
    dlg = dialog(d)
    name = dlg.find_element(By.NAME, "name")
    check(name.get_attribute("value") == "Auditor", "the edit dialog starts with the role's name")
    check(d.switch_to.active_element == name, "focus on the name field")
    name.clear()
    name.send_keys("Audit reader")
    prio = dlg.find_element(By.NAME, "priority")
    prio.clear()
    prio.send_keys("45")
    shot(d, "edit-role")
    dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dialog_closed(d)
    wait(d, lambda d: "Audit reader" in live_text(d, "main table"), "the new name in the role list")
    check(d.switch_to.active_element.get_attribute("data-role") == "auditor",
          "focus is back on auditor's edit button")
    r = ctl("role", "show", "auditor")
    check((r["name"], r["description"], r["priority"]) == ("Audit reader", "Reads the audit logs", 45),
          f"the CLI has the role as edited: {r}")


def token_ids(directory):
    return [t["id"] for t in ctl("token", "list", "--directory", directory)]


def test_tokens(d):
    """Create a SCIM token, see its secret once, check the CLI; revoke it."""
    tab(d, "tokens")
    before = token_ids("okta")
    d.find_element(By.ID, "create-token:okta").click()
    dlg = dialog(d)
    dlg.find_element(By.NAME, "description").send_keys("Okta push")
    dlg.find_element(By.NAME, "expires").send_keys("+30d")
    shot(d, "token-create")
    dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    box = wait(d, EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open] input[name=secret]")),
               "the dialog with the new token's secret")
    secret = box.get_attribute("value")
    check(secret.startswith("grs_") and len(secret) > 40, f"a token's secret is shown: {secret!r}")
    check(d.switch_to.active_element == box, "focus on the secret")
    d.find_element(By.ID, "copy-token").click()
    wait(d, lambda d: live_text(d, "dialog[open] [aria-live=polite]").strip() != "", "Copy to answer")
    shot(d, "token-secret")
    after = token_ids("okta")
    check(len(after) == len(before) + 1, f"the CLI lists one more token for okta: {before} -> {after}")
    new = (set(after) - set(before)).pop()
    check(new in secret, "the new token's id is the one shown")
    raw = subprocess.run(["/usr/sbin/grouprolectl", "--json", "token", "list"], capture_output=True,
                         text=True, timeout=WAIT, check=True).stdout
    check(secret not in raw and secret.split("_")[-1] not in raw, "token list never shows the secret")
    t = next(t for t in ctl("token", "list", "--directory", "okta") if t["id"] == new)
    check(t["description"] == "Okta push" and t["expires"] > t["created"], f"the token as entered: {t}")
    d.switch_to.active_element.send_keys(Keys.ESCAPE)
    dialog_closed(d)
    check(secret not in d.execute_script("return document.documentElement.outerHTML"),
          "the secret is gone from the page once its dialog is closed")
    check(d.switch_to.active_element.get_attribute("id") == "create-token:okta",
          "focus is back on Create token")
    wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, f"button.gr-revoke[data-token='{new}']")),
         "the new token in the list")
    shot(d, "tokens")
    d.find_element(By.CSS_SELECTOR, f"button.gr-revoke[data-token='{new}']").click()
    dlg = dialog(d)
    check(new in dlg.text, "the confirmation names the token")
    shot(d, "token-revoke")
    dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dialog_closed(d)
    wait(d, lambda d: not d.find_elements(By.CSS_SELECTOR, f"button.gr-revoke[data-token='{new}']"),
         "the token gone from the page")
    check(token_ids("okta") == before, "the CLI no longer lists the revoked token")


def test_events(d):
    """The event log shows the roles assigned to SRE through the page."""
    tab(d, "events")
    rows = d.execute_script(
        "return [...document.querySelectorAll('main tbody tr')].map(r => r.innerText)")
    check(any("group.roles.assigned" in r and "groups/okta/g1" in r and "oncall" in r for r in rows),
          f"the assignment made in the browser is listed: {rows[:5]}")
    newest = [e for e in (json.loads(l) for l in subprocess.run(
        ["/usr/sbin/grouprolectl", "--json", "events"], capture_output=True, text=True,
        timeout=WAIT, check=True).stdout.splitlines() if l.strip())][-1]
    check(newest["type"].removeprefix("org.grouprole.") in rows[0] and newest["subject"] in rows[0],
          f"newest first: {newest['type']} {newest['subject']} vs {rows[0]!r}")
    shot(d, "events")


def test_user_page(d):
    tab(d, "users")
    rerender(d, lambda: d.find_element(By.LINK_TEXT, "alice").click(), "alice's page")
    check(d.find_element(By.CSS_SELECTOR, "main h2").text == "User alice", "alice's page")
    check("group SRE" in text_of(d, "main table"), "dev's source is group SRE")
    check("payments (not a member)" in text_of(d, "main dl"), "the host's organization, alice not in it")
    shot(d, "user")


def test_assignments(d):
    """Add a resource assignment with an expiry through the dialog, then remove it."""
    tab(d, "assignments")
    check(ctl("assign", "list") == [], "no assignments yet")
    d.find_element(By.ID, "add-assignment").click()
    dlg = dialog(d)
    dlg.find_element(By.NAME, "user").send_keys("bob")
    Select(dlg.find_element(By.NAME, "role")).select_by_value("oncall")
    dlg.find_element(By.NAME, "resource").send_keys("host:web01")
    dlg.find_element(By.NAME, "expires").send_keys("+1d")
    shot(d, "assignment-add")
    dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dialog_closed(d)
    wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, "button.gr-unassign")), "the assignment listed")
    shot(d, "assignments")
    a = ctl("assign", "list")
    check(len(a) == 1 and (a[0]["id"], a[0]["role"], a[0]["resource"]) == ("u2", "oncall", "host:web01")
          and a[0]["expires"] > 0, f"the CLI has the assignment as entered: {a}")
    d.find_element(By.CSS_SELECTOR, "button.gr-unassign").click()
    dlg = dialog(d)
    dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dialog_closed(d)
    wait(d, lambda d: not d.find_elements(By.CSS_SELECTOR, "button.gr-unassign"), "the assignment gone")
    check(ctl("assign", "list") == [], "the CLI has no assignment left")


def policy_switch(d):
    return d.execute_script(
        "const s = document.getElementById('policy-multiple-roles'); return s ? s.getAttribute('aria-checked') : null")


def test_policy(d):
    """Multiple roles off and on; a default role that bob, with no roles, gets at once."""
    tab(d, "policy")
    check(policy_switch(d) == "true", "multiple roles start on")
    d.find_element(By.ID, "policy-multiple-roles").click()
    wait(d, lambda d: policy_switch(d) == "false", "the switch off")
    check(ctl("policy", "show")["multiple_roles"] is False, "the CLI has multiple roles off")
    d.find_element(By.ID, "policy-multiple-roles").send_keys(Keys.SPACE)
    wait(d, lambda d: policy_switch(d) == "true", "the switch on (keyboard)")
    check(ctl("policy", "show")["multiple_roles"] is True, "the CLI has multiple roles on")
    check("role-oncall" not in groups_of("bob"), "bob starts without oncall")
    d.find_element(By.ID, "policy-default-role").click()
    dlg = dialog(d)
    Select(dlg.find_element(By.NAME, "default-role")).select_by_value("oncall")
    dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dialog_closed(d)
    wait(d, lambda d: live_text(d, "#policy-default-role-value") == "oncall", "the default role shown")
    shot(d, "policy")
    check(ctl("policy", "show")["default_role"] == "oncall", "the CLI has the default role")
    check("role-oncall" in groups_of("bob"), "bob, with no role from the directory, gets the default role")
    d.find_element(By.ID, "policy-default-role").click()
    dlg = dialog(d)
    Select(dlg.find_element(By.NAME, "default-role")).select_by_value("none")
    dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dialog_closed(d)
    wait(d, lambda d: live_text(d, "#policy-default-role-value") == "none", "no default role shown")
    check(ctl("policy", "show")["default_role"] is None and "role-oncall" not in groups_of("bob"),
          "no default role again")


def switch_state(d):
    return d.execute_script(
        "const s = document.querySelector(\"button[role=switch][data-org=payments][data-directory=okta]\");"
        " return s ? s.getAttribute('aria-checked') : null")


def test_auto_membership(d):
    tab(d, "orgs")
    check(switch_state(d) == "false", "auto-membership starts off")
    check("role-admin" not in groups_of("alice"), "alice is not admin while auto-membership is off")
    d.find_element(By.CSS_SELECTOR, "button[role=switch][data-org=payments]").click()
    wait(d, lambda d: switch_state(d) == "true", "the switch on")
    shot(d, "auto-membership-on")
    org = next(o for o in ctl("org", "list") if o["name"] == "payments")
    check(org["connections"]["okta"]["auto_membership"] is True, f"the CLI has it on: {org}")
    check({"role-admin"} <= groups_of("alice") and {"role-admin"} <= groups_of("bob"),
          "Engineering's members gain payments' organization role admin")
    d.find_element(By.CSS_SELECTOR, "button[role=switch][data-org=payments]").send_keys(Keys.SPACE)
    wait(d, lambda d: switch_state(d) == "false", "the switch off (keyboard)")
    check(d.switch_to.active_element.get_attribute("role") == "switch", "focus stays on the switch")
    check("role-admin" not in groups_of("alice") | groups_of("bob"), "admin is gone again")


def org_roles_shown(d):
    return set(d.execute_script(
        "return [...document.querySelectorAll('button.gr-remove-org')].map(b => b.dataset.org + '/' + b.dataset.role)"))


def test_org_roles(d):
    # alice (in SRE) reaches payments' organization roles once auto-membership is on.
    ctl("org", "connection", "enable", "payments", "okta", "--auto-membership", "on")
    check("role-oncall" not in groups_of("alice"), "alice starts without role-oncall")
    open_group(d, "SRE")
    check(org_roles_shown(d) == set(), "SRE starts with no organization roles")
    d.find_element(By.ID, "assign-org-roles").click()
    dlg = dialog(d)
    org = Select(dlg.find_element(By.NAME, "organization"))
    check([o.text for o in org.options] == ["payments"], "the dialog offers the organizations")
    check(d.switch_to.active_element.get_attribute("name") == "organization", "focus on the organization")
    wait(d, EC.element_to_be_clickable((By.CSS_SELECTOR, "dialog input[value=oncall]")), "oncall").click()
    shot(d, "org-assign-dialog")
    dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dialog_closed(d)
    wait(d, lambda d: org_roles_shown(d) == {"payments/oncall"}, "oncall in payments on the group's page")
    check(d.switch_to.active_element.get_attribute("id") == "assign-org-roles",
          "focus is back on Assign organization roles")
    shot(d, "org-assigned")
    check(ctl("org", "group", "roles", "list", "payments", "SRE") == ["oncall"], "the CLI shows it")
    check(ctl("group", "roles", "list", "SRE") == ["dev"], "the tenant roles are untouched")
    check("role-oncall" in groups_of("alice"), "alice gains role-oncall through payments")
    d.find_element(By.CSS_SELECTOR, "button.gr-remove-org[data-org=payments][data-role=oncall]").click()
    dlg = dialog(d)
    check("payments" in dlg.text and "oncall" in dlg.text, "the confirmation names the role and the organization")
    dlg.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dialog_closed(d)
    wait(d, lambda d: org_roles_shown(d) == set(), "oncall gone from payments on the group's page")
    check(ctl("org", "group", "roles", "list", "payments", "SRE") == [], "the CLI shows none")
    check("role-oncall" not in groups_of("alice"), "alice lost role-oncall")
    ctl("org", "connection", "enable", "payments", "okta", "--auto-membership", "off")


def test_without_sudo():
    before = [ctl("role", "list"), ctl("group", "roles", "list", "SRE")]
    d = login("plain")
    try:
        alert = wait(d, EC.visibility_of_element_located((By.CSS_SELECTOR, "main .gr-access")),
                     "the access message")
        check("administrative access" in alert.text, f"access message, got {alert.text!r}")
        check(not d.find_elements(By.ID, "assign-roles") and not d.find_elements(By.ID, "create-role"),
              "no action is offered")
        tab(d, "roles")
        check(d.find_elements(By.CSS_SELECTOR, "main .gr-access"), "the access message on Roles")
        shot(d, "no-access")
    finally:
        d.quit()
    check([ctl("role", "list"), ctl("group", "roles", "list", "SRE")] == before,
          "a user without sudo changes nothing")


def main():
    os.makedirs(ARTIFACTS, exist_ok=True)
    steps = 0
    d = login("admin")
    try:
        for name, fn in (("no database", test_no_database),
                         ("assign two roles", test_assign_two),
                         ("remove one with the trash icon", test_remove_one),
                         ("Escape cancels, focus returns", test_cancel_keeps_state),
                         ("create a role", test_create_role),
                         ("a refusal shows the CLI's reason", test_refusal),
                         ("delete shows who loses the role", test_delete_consequences),
                         ("edit a role", test_edit_role),
                         ("SCIM token: create, secret once, revoke", test_tokens),
                         ("the event log shows the page's changes", test_events),
                         ("a user's roles and their sources", test_user_page),
                         ("resource assignments: add with expiry, remove", test_assignments),
                         ("policy: multiple roles, default role", test_policy),
                         ("auto-membership on and off", test_auto_membership),
                         ("organization roles: assign in the dialog, remove with the trash icon",
                          test_org_roles)):
            fn(d)
            steps += 1
            print(f"ok {steps} {name}", flush=True)
            if fn is test_no_database:
                load_directory()
    finally:
        d.quit()
    test_without_sudo()
    print(f"ok {steps + 1} a user without sudo gets the access message", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Failed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
