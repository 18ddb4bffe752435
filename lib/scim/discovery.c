/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "scim/discovery.h"
#include "scim/scim.h"

#define SPC_URN "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
#define RT_URN "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
#define SCHEMA_URN "urn:ietf:params:scim:schemas:core:2.0:Schema"

/* One attribute definition (RFC 7643 section 7); SUBS (stolen) may be NULL. */
static json_t *attr(const char *name, const char *type, bool multi, bool required, bool exact,
		    const char *mutability, const char *returned, const char *uniqueness,
		    json_t *subs)
{
	json_t *a = json_pack("{s:s, s:s, s:b, s:s, s:b, s:b, s:s, s:s, s:s}", "name", name, "type",
			      type, "multiValued", multi, "description", "", "required", required,
			      "caseExact", exact, "mutability", mutability, "returned", returned,
			      "uniqueness", uniqueness);

	if (a && subs)
		json_object_set_new(a, "subAttributes", subs);
	else
		json_decref(subs);
	return a;
}

static json_t *str(const char *name)
{
	return attr(name, "string", false, false, false, "readWrite", "default", "none", NULL);
}

/* value/type/primary/display: the sub-attributes of emails, phoneNumbers and the like. */
static json_t *multi_complex(const char *name)
{
	return attr(name, "complex", true, false, false, "readWrite", "default", "none",
		    json_pack("[o, o, o, o]", str("value"), str("type"), str("display"),
			      attr("primary", "boolean", false, false, false, "readWrite", "default",
				   "none", NULL)));
}

static json_t *schema(const char *id, const char *name, json_t *attributes, const char *base)
{
	char loc[1200];

	snprintf(loc, sizeof(loc), "%s/Schemas/%s", base, id);
	return json_pack("{s:[s], s:s, s:s, s:s, s:o, s:{s:s, s:s}}", "schemas", SCHEMA_URN, "id", id,
			 "name", name, "description", name, "attributes", attributes, "meta",
			 "resourceType", "Schema", "location", loc);
}

static json_t *user_schema(const char *base)
{
	return schema(GR_SCIM_USER_URN, "User",
		      json_pack("[o, o, o, o, o, o, o, o, o, o, o, o, o, o]",
				attr("userName", "string", false, true, false, "readWrite", "default",
				     "server", NULL),
				attr("name", "complex", false, false, false, "readWrite", "default", "none",
				     json_pack("[o, o, o, o, o, o]", str("formatted"), str("familyName"),
					       str("givenName"), str("middleName"),
					       str("honorificPrefix"), str("honorificSuffix"))),
				str("displayName"), str("nickName"), str("title"), str("userType"),
				str("preferredLanguage"), str("locale"), str("timezone"),
				attr("active", "boolean", false, false, false, "readWrite", "default",
				     "none", NULL),
				attr("password", "string", false, false, false, "writeOnly", "never",
				     "none", NULL),
				multi_complex("emails"), multi_complex("phoneNumbers"),
				attr("groups", "complex", true, false, false, "readOnly", "default",
				     "none", json_pack("[o, o, o]",
						       attr("value", "string", false, false, true,
							    "readOnly", "default", "none", NULL),
						       attr("$ref", "reference", false, false, true,
							    "readOnly", "default", "none", NULL),
						       attr("display", "string", false, false, false,
							    "readOnly", "default", "none", NULL)))),
		      base);
}

static json_t *group_schema(const char *base)
{
	return schema(GR_SCIM_GROUP_URN, "Group",
		      json_pack("[o, o]",
				attr("displayName", "string", false, true, false, "readWrite", "default",
				     "server", NULL),
				attr("members", "complex", true, false, false, "readWrite", "default",
				     "none", json_pack("[o, o, o]",
						       attr("value", "string", false, false, true,
							    "immutable", "default", "none", NULL),
						       attr("$ref", "reference", false, false, true,
							    "immutable", "default", "none", NULL),
						       attr("type", "string", false, false, false,
							    "immutable", "default", "none", NULL)))),
		      base);
}

static json_t *enterprise_schema(const char *base)
{
	return schema(GR_SCIM_ENTERPRISE_URN, "EnterpriseUser",
		      json_pack("[o, o, o, o, o, o]", str("employeeNumber"), str("costCenter"),
				str("organization"), str("division"), str("department"),
				attr("manager", "complex", false, false, false, "readWrite", "default",
				     "none", json_pack("[o, o, o]", str("value"),
						       attr("$ref", "reference", false, false, false,
							    "readWrite", "default", "none", NULL),
						       attr("displayName", "string", false, false, false,
							    "readOnly", "default", "none", NULL)))),
		      base);
}

static json_t *resource_type(const char *name, const char *base)
{
	char loc[1200];
	json_t *rt;

	snprintf(loc, sizeof(loc), "%s/ResourceTypes/%s", base, name);
	rt = json_pack("{s:[s], s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "schemas", RT_URN, "id", name,
		       "name", name, "endpoint", name[0] == 'U' ? "/Users" : "/Groups", "schema",
		       name[0] == 'U' ? GR_SCIM_USER_URN : GR_SCIM_GROUP_URN, "meta", "resourceType",
		       "ResourceType", "location", loc);
	if (rt && name[0] == 'U')
		json_object_set_new(rt, "schemaExtensions",
				    json_pack("[{s:s, s:b}]", "schema", GR_SCIM_ENTERPRISE_URN,
					      "required", 0));
	return rt;
}

static json_t *list_of(json_t *items)
{
	return json_pack("{s:[s], s:I, s:I, s:I, s:o}", "schemas", GR_SCIM_LIST_URN, "totalResults",
			 (json_int_t)json_array_size(items), "startIndex", (json_int_t)1,
			 "itemsPerPage", (json_int_t)json_array_size(items), "Resources", items);
}

bool gr_scim_discovery(const char *endpoint, const char *sub, const char *base,
		       size_t max_results, json_t **out)
{
	*out = NULL;
	if (!strcmp(endpoint, "ServiceProviderConfig")) {
		if (sub)
			return true;
		*out = json_pack(
			"{s:[s], s:{s:b}, s:{s:b, s:I, s:I}, s:{s:b, s:I}, s:{s:b}, s:{s:b},"
			" s:{s:b}, s:[{s:s, s:s, s:s, s:b}], s:{s:s}}",
			"schemas", SPC_URN, "patch", "supported", 1, "bulk", "supported", 0,
			"maxOperations", (json_int_t)0, "maxPayloadSize", (json_int_t)0, "filter",
			"supported", 1, "maxResults", (json_int_t)max_results, "changePassword",
			"supported", 0, "sort", "supported", 0, "etag", "supported", 1,
			"authenticationSchemes", "type", "oauthbearertoken", "name", "OAuth Bearer Token",
			"description", "A bearer token per directory, from grouprolectl token create",
			"primary", 1, "meta", "resourceType", "ServiceProviderConfig");
		return true;
	}
	if (!strcmp(endpoint, "ResourceTypes")) {
		if (!sub)
			*out = list_of(json_pack("[o, o]", resource_type("User", base),
						 resource_type("Group", base)));
		else if (!strcmp(sub, "User") || !strcmp(sub, "Group"))
			*out = resource_type(sub, base);
		return true;
	}
	if (!strcmp(endpoint, "Schemas")) {
		if (!sub)
			*out = list_of(json_pack("[o, o, o]", user_schema(base), group_schema(base),
						 enterprise_schema(base)));
		else if (!strcasecmp(sub, GR_SCIM_USER_URN))
			*out = user_schema(base);
		else if (!strcasecmp(sub, GR_SCIM_GROUP_URN))
			*out = group_schema(base);
		else if (!strcasecmp(sub, GR_SCIM_ENTERPRISE_URN))
			*out = enterprise_schema(base);
		return true;
	}
	return false;
}
