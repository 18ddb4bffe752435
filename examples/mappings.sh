#!/bin/sh
# The role model of the example company, Meridian Systems, as grouprolectl
# commands.  Run with CTL set to the grouprolectl command line to use, e.g.
#   CTL="grouprolectl --config /etc/grouprole/grouprole.conf" sh mappings.sh
set -eu
: "${CTL:?set CTL to the grouprolectl command}"

# Roles: slug, display name, priority (used when multiple roles are off).
$CTL role create admin     --name "Administrator" --priority 100 \
	--description "Full root through sudo on the hosts that grant it"
$CTL role create oncall    --name "On-call"       --priority 60 \
	--description "Restart services and read logs"
$CTL role create developer --name "Developer"     --priority 50
$CTL role create auditor   --name "Auditor"       --priority 40 \
	--description "Read-only access to audit logs"
$CTL role create analyst   --name "Analyst"       --priority 30
$CTL role create viewer    --name "Viewer"        --priority 10

# Tenant-wide: these hold on every host, whatever organization it serves.
$CTL group roles assign SRE admin oncall
$CTL group roles assign Engineering developer
$CTL group roles assign Security auditor
$CTL group roles assign "Data Science" analyst
$CTL group roles assign Finance viewer

# Two organizations (think business units, each with its own hosts).
$CTL org create payments
$CTL org connection enable payments okta --auto-membership on
$CTL org group roles assign payments Engineering oncall
$CTL org group roles assign payments Contractors developer

# Organization group roles flow only through a connection with auto-membership
# on (as in Auth0): every okta user is then a member of research.  Explicit
# members are recorded and shown, but on their own get no organization roles.
$CTL org create research
$CTL org connection enable research okta --auto-membership on
$CTL org member add research erin.schmidt
$CTL org member add research noah.fischer
$CTL org group roles assign research "Data Science" developer

# Everyone else in the directory gets read-only access; a custom SCIM
# attribute can name extra roles.
$CTL policy set default-role viewer
$CTL policy set role-attribute urn:ietf:params:scim:schemas:extension:meridian:2.0:User:linuxRoles

# A contractor gets admin on one build host for a week, whatever the IdP says.
$CTL assign add dave.miller admin --resource host:build01 --expires +7d
$CTL assign add dave.miller oncall --resource hostgroup:payments-web --expires +7d
