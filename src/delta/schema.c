/* schema.c - Delta schemas (the metaData's schemaString) as tarn types. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "delta/delta_int.h"

static int parse_field(const cJSON *j, struct tn_field *f, struct tn_err *err);

static int primitive(const char *name, struct tn_type *t, struct tn_err *err)
{
	static const struct {
		const char *name;
		enum tn_kind kind;
	} prims[] = {
		{"string", TN_STRING}, {"long", TN_INT64},   {"integer", TN_INT32},
		{"short", TN_INT16},   {"byte", TN_INT8},    {"float", TN_FLOAT},
		{"double", TN_DOUBLE}, {"boolean", TN_BOOL}, {"binary", TN_BINARY},
		{"date", TN_DATE},
	};
	int p, s;
	char tail;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < sizeof(prims) / sizeof(prims[0]); i++) {
		if (strcmp(name, prims[i].name) == 0) {
			t->kind = prims[i].kind;
			return TN_OK;
		}
	}
	if (strcmp(name, "timestamp") == 0 || strcmp(name, "timestamp_ntz") == 0) {
		t->kind = TN_TIMESTAMP;
		t->unit = TN_UNIT_MICROS;
		t->utc = strcmp(name, "timestamp") == 0;
		return TN_OK;
	}
	if (strcmp(name, "decimal") == 0) { /* Spark's default decimal(10,0) */
		t->kind = TN_DECIMAL;
		t->precision = 10;
		return TN_OK;
	}
	if (sscanf(name, "decimal(%d,%d)%c", &p, &s, &tail) == 2 ||
	    sscanf(name, "decimal(%d, %d)%c", &p, &s, &tail) == 2) {
		if (p < 1 || p > 38 || s < 0 || s > p)
			return tn_err_set(err, TN_ECORRUPT, "schema: bad type %s", name);
		t->kind = TN_DECIMAL;
		t->precision = (uint8_t)p;
		t->scale = (uint8_t)s;
		return TN_OK;
	}
	return tn_err_set(err, TN_EUNSUPPORTED, "schema: type '%s' is not supported", name);
}

static int element_field(const cJSON *type, bool nullable, const char *name, struct tn_field *f,
			 struct tn_err *err)
{
	memset(f, 0, sizeof(*f));
	f->name = tn_strdup(name);
	f->nullable = nullable;
	if (type == NULL)
		return tn_err_set(err, TN_ECORRUPT, "schema: a %s without its type", name);
	return delta_type_parse(type, &f->type, err);
}

int delta_type_parse(const cJSON *j, struct tn_type *t, struct tn_err *err)
{
	const cJSON *type;

	memset(t, 0, sizeof(*t));
	if (cJSON_IsString(j))
		return primitive(j->valuestring, t, err);
	if (!cJSON_IsObject(j) || !cJSON_IsString(type = cJSON_GetObjectItemCaseSensitive(j, "type")))
		return tn_err_set(err, TN_ECORRUPT, "schema: a type that is neither a name nor an object");
	if (strcmp(type->valuestring, "struct") == 0) {
		const cJSON *fields = cJSON_GetObjectItemCaseSensitive(j, "fields"), *f;
		size_t i = 0;
		int rc;

		if (!cJSON_IsArray(fields))
			return tn_err_set(err, TN_ECORRUPT, "schema: a struct without fields");
		t->kind = TN_STRUCT;
		t->nfields = (size_t)cJSON_GetArraySize(fields);
		t->fields = tn_calloc(t->nfields ? t->nfields : 1, sizeof(*t->fields));
		cJSON_ArrayForEach(f, fields) {
			rc = parse_field(f, &t->fields[i++], err);
			if (rc != TN_OK)
				return rc;
		}
		return TN_OK;
	}
	if (strcmp(type->valuestring, "array") == 0) {
		const cJSON *cn = cJSON_GetObjectItemCaseSensitive(j, "containsNull");

		t->kind = TN_LIST;
		t->nfields = 1;
		t->fields = tn_calloc(1, sizeof(*t->fields));
		return element_field(cJSON_GetObjectItemCaseSensitive(j, "elementType"),
				     !cJSON_IsFalse(cn), "element", &t->fields[0], err);
	}
	if (strcmp(type->valuestring, "map") == 0) {
		const cJSON *vcn = cJSON_GetObjectItemCaseSensitive(j, "valueContainsNull");
		int rc;

		t->kind = TN_MAP;
		t->nfields = 2;
		t->fields = tn_calloc(2, sizeof(*t->fields));
		rc = element_field(cJSON_GetObjectItemCaseSensitive(j, "keyType"), false, "key",
				   &t->fields[0], err);
		if (rc == TN_OK)
			rc = element_field(cJSON_GetObjectItemCaseSensitive(j, "valueType"),
					   !cJSON_IsFalse(vcn), "value", &t->fields[1], err);
		return rc;
	}
	return tn_err_set(err, TN_EUNSUPPORTED, "schema: type '%s' is not supported",
			  type->valuestring);
}

static int parse_field(const cJSON *j, struct tn_field *f, struct tn_err *err)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "name");
	const cJSON *nullable = cJSON_GetObjectItemCaseSensitive(j, "nullable");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(j, "metadata");
	const cJSON *phys, *id;
	int rc;

	memset(f, 0, sizeof(*f));
	if (!cJSON_IsString(name))
		return tn_err_set(err, TN_ECORRUPT, "schema: a field without a name");
	f->name = tn_strdup(name->valuestring);
	f->nullable = !cJSON_IsFalse(nullable);
	rc = delta_type_parse(cJSON_GetObjectItemCaseSensitive(j, "type"), &f->type, err);
	if (rc != TN_OK) {
		tn_err_prefix(err, "column '%s'", f->name);
		return rc;
	}
	if (cJSON_IsObject(meta)) {
		phys = cJSON_GetObjectItemCaseSensitive(meta, "delta.columnMapping.physicalName");
		id = cJSON_GetObjectItemCaseSensitive(meta, "delta.columnMapping.id");
		if (cJSON_IsString(phys))
			f->physical = tn_strdup(phys->valuestring);
		if (cJSON_IsNumber(id)) {
			f->has_field_id = true;
			f->field_id = (int32_t)id->valuedouble;
		}
	}
	return TN_OK;
}

int delta_schema_parse(const char *json, struct tn_schema *out, struct tn_err *err)
{
	cJSON *j = cJSON_Parse(json);
	struct tn_type t;
	int rc;

	memset(out, 0, sizeof(*out));
	if (j == NULL)
		return tn_err_set(err, TN_ECORRUPT, "schemaString is not JSON");
	rc = delta_type_parse(j, &t, err);
	cJSON_Delete(j);
	if (rc == TN_OK && t.kind != TN_STRUCT)
		rc = tn_err_set(err, TN_ECORRUPT, "schemaString is not a struct");
	if (rc != TN_OK) {
		tn_type_done(&t);
		return rc;
	}
	out->ncols = t.nfields;
	out->cols = t.fields;
	return TN_OK;
}
