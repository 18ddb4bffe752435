# Shared by tests/integration/api*.bats: Management API calls, and a SCIM
# group to give roles to.  Needs daemon_helpers (http, scim) and $API_TOKEN.

SCIM_USER='urn:ietf:params:scim:schemas:core:2.0:User'

# api METHOD PATH [BODY] [TOKEN]: sets STATUS and BODY.
api() {
	http "$1" "$API/$2" "${3-}" "${4-$API_TOKEN}" application/json
}

# A user alice.nguyen in group SRE of okta, through SCIM; sets GROUP (the API's group id).
make_group() {
	scim POST okta/Users "{\"schemas\":[\"$SCIM_USER\"],\"userName\":\"alice.nguyen@meridian.example\",\"active\":true}"
	[ "$STATUS" = 201 ]
	local uid
	uid=$(jq -r .id <<<"$BODY")
	GROUP_USER=$uid
	scim POST okta/Groups '{"displayName":"SRE","members":[{"value":"'"$uid"'"}]}'
	[ "$STATUS" = 201 ]
	GROUP=okta:$(jq -r .id <<<"$BODY")
}
