# shellcheck shell=bash
# LDIF for the fleet's entries, as grouprole's writers will store them
# (docs/fleet.md, "Data").

B="ou=data,$SUFFIX"

# The directory corp and its containers.
ldif_directory() {
	printf 'dn: grName=corp,%s\nobjectClass: grDirectory\ngrName: corp\n\n' "$B"
	for ou in users groups mappings; do
		printf 'dn: ou=%s,grName=corp,%s\nobjectClass: organizationalUnit\nou: %s\n\n' "$ou" "$B" "$ou"
	done
}

ldif_base() {
	printf 'dn: ou=roles,%s\nobjectClass: organizationalUnit\nou: roles\n\n' "$B"
	ldif_directory
}

ldif_role() { # SLUG GID
	printf 'dn: grId=%s,ou=roles,%s\nobjectClass: grRoleDef\ngrId: %s\ngrJson: {"slug":"%s","name":"%s","gid":%s,"priority":10}\n\n' \
		"$1" "$B" "$1" "$1" "$1" "$2"
}

ldif_user() { # ID USERNAME ACTIVE
	printf 'dn: grId=%s,ou=users,grName=corp,%s\nobjectClass: grUser\ngrId: %s\ngrJson: {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"%s","userName":"%s","active":%s}\n\n' \
		"$1" "$B" "$1" "$1" "$2" "$3"
}

# The values of a multi-valued attribute, and the entry's end.
ldif_values() { # ATTR VALUE...
	local attr=$1 v
	shift
	for v in "$@"; do printf '%s: %s\n' "$attr" "$v"; done
	printf '\n'
}

ldif_group() { # ID NAME MEMBER...
	printf 'dn: grId=%s,ou=groups,grName=corp,%s\nobjectClass: grGroup\ngrId: %s\ngrJson: {"id":"%s","displayName":"%s"}\n' \
		"$1" "$B" "$1" "$1" "$2"
	ldif_values grMember "${@:3}"
}

ldif_mapping() { # GROUP-ID SLUG...
	printf 'dn: grId=%s,ou=mappings,grName=corp,%s\nobjectClass: grGroupRoles\ngrId: %s\n' "$1" "$B" "$1"
	ldif_values grRole "${@:2}"
}

ldif_org() { # NAME JSON-CONNECTIONS MEMBER(DIR/UID)...
	printf 'dn: grName=%s,ou=organizations,%s\nobjectClass: grOrganization\ngrName: %s\ngrJson: {"name":"%s","connections":%s}\n' \
		"$1" "$B" "$1" "$1" "$2"
	ldif_values grMember "${@:3}"
}

ldif_org_mapping() { # GROUP-ID "ORG SLUG"...
	printf 'dn: grId=%s,ou=mappings,grName=corp,%s\nobjectClass: grGroupRoles\ngrId: %s\n' "$1" "$B" "$1"
	ldif_values grOrgRole "${@:2}"
}

ldif_assignments() { # USER-ID ROLE RESOURCE [EXPIRES]
	printf 'dn: grId=%s,ou=assignments,grName=corp,%s\nobjectClass: grAssignments\ngrId: %s\ngrAssignment: {"expires":%s,"resource":"%s","role":"%s"}\n\n' \
		"$1" "$B" "$1" "${4:-0}" "$3" "$2"
}

ldif_policy() { # JSON
	printf 'dn: grName=policy,ou=policy,%s\nobjectClass: grPolicy\ngrName: policy\ngrJson: %s\n\n' "$B" "$1"
}
