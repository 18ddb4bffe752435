# shellcheck shell=bash
# LDIF for the fleet's entries, as grouprole's writers will store them
# (docs/fleet.md, "Data").

B="ou=data,$SUFFIX"

ldif_base() {
	printf 'dn: ou=roles,%s\nobjectClass: organizationalUnit\nou: roles\n\n' "$B"
	printf 'dn: grName=corp,%s\nobjectClass: grDirectory\ngrName: corp\n\n' "$B"
	for ou in users groups mappings; do
		printf 'dn: ou=%s,grName=corp,%s\nobjectClass: organizationalUnit\nou: %s\n\n' "$ou" "$B" "$ou"
	done
}

ldif_role() { # SLUG GID
	printf 'dn: grId=%s,ou=roles,%s\nobjectClass: grRoleDef\ngrId: %s\ngrJson: {"slug":"%s","name":"%s","gid":%s,"priority":10}\n\n' \
		"$1" "$B" "$1" "$1" "$1" "$2"
}

ldif_user() { # ID USERNAME ACTIVE
	printf 'dn: grId=%s,ou=users,grName=corp,%s\nobjectClass: grUser\ngrId: %s\ngrJson: {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"%s","userName":"%s","active":%s}\n\n' \
		"$1" "$B" "$1" "$1" "$2" "$3"
}

ldif_group() { # ID NAME MEMBER...
	local id=$1 name=$2 m
	shift 2
	printf 'dn: grId=%s,ou=groups,grName=corp,%s\nobjectClass: grGroup\ngrId: %s\ngrJson: {"id":"%s","displayName":"%s"}\n' \
		"$id" "$B" "$id" "$id" "$name"
	for m in "$@"; do printf 'grMember: %s\n' "$m"; done
	printf '\n'
}

ldif_mapping() { # GROUP-ID SLUG...
	local id=$1 s
	shift
	printf 'dn: grId=%s,ou=mappings,grName=corp,%s\nobjectClass: grGroupRoles\ngrId: %s\n' "$id" "$B" "$id"
	for s in "$@"; do printf 'grRole: %s\n' "$s"; done
	printf '\n'
}

ldif_org() { # NAME JSON-CONNECTIONS MEMBER...
	local name=$1 conns=$2 m
	shift 2
	printf 'dn: grName=%s,ou=organizations,%s\nobjectClass: grOrganization\ngrName: %s\ngrJson: {"name":"%s","connections":%s}\n' \
		"$name" "$B" "$name" "$name" "$conns"
	for m in "$@"; do printf 'grMember: %s\n' "$m"; done
	printf '\n'
}

ldif_org_mapping() { # GROUP-ID "ORG SLUG"...
	local id=$1 s
	shift
	printf 'dn: grId=%s,ou=mappings,grName=corp,%s\nobjectClass: grGroupRoles\ngrId: %s\n' "$id" "$B" "$id"
	for s in "$@"; do printf 'grOrgRole: %s\n' "$s"; done
	printf '\n'
}

ldif_assignments() { # USER-ID ROLE RESOURCE [EXPIRES]
	printf 'dn: grId=%s,ou=assignments,grName=corp,%s\nobjectClass: grAssignments\ngrId: %s\ngrAssignment: {"expires":%s,"resource":"%s","role":"%s"}\n\n' \
		"$1" "$B" "$1" "${4:-0}" "$3" "$2"
}

ldif_policy() { # JSON
	printf 'dn: grName=policy,ou=policy,%s\nobjectClass: grPolicy\ngrName: policy\ngrJson: %s\n\n' "$B" "$1"
}
