/* test_catalog.c - the metastore: opening and migrating tarn.db, objects
 * and their names, comments, owners, properties and tags, grants and the
 * privilege check, the audit log and query history, and several
 * processes writing one catalog at once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/str.h"
#include "catalog/catalog.h"

static char dir[64];
static char *lake;
static int nlake;

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tarn-cat-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = tn_asprintf("rm -rf '%s'", dir);

	(void)state;
	free(lake);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	return 0;
}

/* A new lakehouse directory (not created yet) and the catalog in it. */
static struct cat *fresh(void)
{
	struct cat *c;
	struct tn_err err;

	free(lake);
	lake = tn_asprintf("%s/lake%d/sub", dir, nlake++);
	if (cat_open(lake, &c, &err) != TN_OK)
		fail_msg("cat_open: %s", err.msg);
	return c;
}

/* call succeeds; it names its error e_ (declared here). */
#define OK(call)                                                  \
	do {                                                      \
		struct tn_err e_;                                 \
		int r_ = (call);                                  \
		if (r_ != TN_OK)                                  \
			fail_msg("%s: %s", #call, e_.msg);        \
	} while (0)

/* call fails with code and exactly message msg (NULL: any). */
static void expect(int ret, const struct tn_err *err, int code, const char *msg)
{
	assert_int_equal(ret, code);
	assert_int_equal(err->code, code);
	if (msg)
		assert_string_equal(err->msg, msg);
}

static struct cat_object table(const char *cat, const char *sch, const char *name, int type)
{
	struct cat_object t = {.kind = CAT_KIND_TABLE, .catalog = (char *)cat,
			       .schema = (char *)sch, .name = (char *)name, .type = type};

	if (type == CAT_VIEW)
		t.view_sql = (char *)"SELECT 1";
	else if (type == CAT_EXTERNAL)
		t.location = (char *)"/data/ext";
	return t;
}

static void test_open_defaults(void **state)
{
	struct cat *c = fresh();
	struct cat_object *o;
	size_t n;
	struct stat sb;
	char *p;
	unsigned char hdr[20];
	FILE *f;
	const char *me = cat_principal_current()->user;

	(void)state;
	assert_true(cat_lakehouse(c)[0] == '/');
	assert_true(tn_str_endswith(cat_lakehouse(c), "/sub"));
	assert_true(cat_schema_version(c) >= 2);
	p = tn_path_join(lake, "warehouse");
	assert_int_equal(stat(p, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	free(p);
	/* bytes 18 and 19 of an SQLite file are 2 in WAL mode */
	p = tn_path_join(lake, "tarn.db");
	f = fopen(p, "rb");
	assert_non_null(f);
	assert_int_equal(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
	fclose(f);
	assert_int_equal(hdr[18], 2);
	assert_int_equal(hdr[19], 2);
	free(p);

	OK(cat_list_catalogs(c, &o, &n, &e_));
	assert_int_equal(n, 1);
	assert_string_equal(o[0].catalog, "main");
	assert_int_equal(o[0].kind, CAT_KIND_CATALOG);
	assert_string_equal(o[0].owner, me);
	assert_null(o[0].schema);
	assert_true(o[0].created_ms > 0);
	cat_list_free(o, n);
	OK(cat_list_schemas(c, "main", &o, &n, &e_));
	assert_int_equal(n, 1);
	assert_string_equal(o[0].catalog, "main");
	assert_string_equal(o[0].schema, "default");
	assert_string_equal(o[0].owner, me);
	cat_list_free(o, n);
	OK(cat_list_tables(c, "main", "default", &o, &n, &e_));
	assert_int_equal(n, 0);
	cat_list_free(o, n);
	cat_close(c);
}

static void test_reopen(void **state)
{
	struct cat *c = fresh();
	struct cat_object o;
	struct cat_object t = table("sales", "raw", "events", CAT_MANAGED);
	int version = cat_schema_version(c);
	struct tn_err err;

	(void)state;
	OK(cat_catalog_create(c, "sales", "money", NULL, false, &e_));
	OK(cat_schema_create(c, "sales", "raw", NULL, NULL, false, &e_));
	OK(cat_table_create(c, &t, false, &e_));
	OK(cat_catalog_drop(c, "main", false, true, &e_));
	cat_close(c);

	OK(cat_open(lake, &c, &e_));
	assert_int_equal(cat_schema_version(c), version);
	OK(cat_object_get(c, CAT_KIND_CATALOG, "sales", NULL, &o, &e_));
	assert_string_equal(o.comment, "money");
	cat_object_done(&o);
	OK(cat_table_get(c, "sales", "raw", "events", &o, &e_));
	assert_int_equal(o.type, CAT_MANAGED);
	cat_object_done(&o);
	/* the first migration made main.default; it did not run again */
	expect(cat_object_get(c, CAT_KIND_CATALOG, "main", NULL, &o, &err), &err, TN_ENOENT,
	       "catalog main not found");
	cat_close(c);
}

/* A managed table's location follows the lakehouse when the directory is
 * moved (the catalog keeps it relative); an external one stays. */
static void test_moved_lakehouse(void **state)
{
	struct cat *c = fresh();
	struct cat_object t = table("main", "default", "orders", CAT_MANAGED);
	struct cat_object x = table("main", "default", "ext", CAT_EXTERNAL);
	struct cat_object o, *list;
	size_t n;
	char *moved = tn_asprintf("%s-moved", lake), *want;

	(void)state;
	x.location = (char *)"/data/elsewhere/ext";
	OK(cat_table_create(c, &t, false, &e_));
	OK(cat_table_create(c, &x, false, &e_));
	cat_close(c);
	assert_int_equal(rename(lake, moved), 0);
	OK(cat_open(moved, &c, &e_));
	want = tn_asprintf("%s/warehouse/main/default/orders", moved);
	OK(cat_table_get(c, "main", "default", "orders", &o, &e_));
	assert_string_equal(o.location, want);
	cat_object_done(&o);
	OK(cat_list_tables(c, "main", "default", &list, &n, &e_));
	assert_int_equal(n, 2);
	assert_string_equal(list[0].location, "/data/elsewhere/ext");
	assert_string_equal(list[1].location, want);
	cat_list_free(list, n);
	cat_close(c);
	free(want);
	free(moved);
}

static void test_create_drop(void **state)
{
	struct cat *c = fresh();
	struct cat_object t = table("main", "default", "orders", CAT_MANAGED);
	struct cat_object v = table("main", "default", "big_orders", CAT_VIEW);
	struct cat_object x = table("main", "s2", "ext", CAT_EXTERNAL);
	struct cat_object *o;
	struct cat_grant *g;
	struct cat_kv *kv;
	size_t n;
	struct tn_err err;

	(void)state;
	OK(cat_catalog_create(c, "c2", NULL, NULL, false, &e_));
	expect(cat_catalog_create(c, "c2", NULL, NULL, false, &err), &err, TN_EEXIST,
	       "catalog c2 already exists");
	OK(cat_catalog_create(c, "c2", NULL, NULL, true, &e_));
	OK(cat_schema_create(c, "main", "s2", NULL, "alice", false, &e_));
	expect(cat_schema_create(c, "main", "s2", NULL, NULL, false, &err), &err, TN_EEXIST,
	       "schema main.s2 already exists");
	OK(cat_schema_create(c, "main", "s2", NULL, NULL, true, &e_));
	expect(cat_schema_create(c, "nope", "s", NULL, NULL, false, &err), &err, TN_ENOENT,
	       "catalog nope not found");
	expect(cat_catalog_create(c, "a/b", NULL, NULL, false, &err), &err, TN_EINVAL, NULL);
	expect(cat_catalog_create(c, "", NULL, NULL, false, &err), &err, TN_EINVAL, NULL);

	OK(cat_table_create(c, &t, false, &e_));
	OK(cat_table_create(c, &v, false, &e_));
	OK(cat_table_create(c, &x, false, &e_));
	expect(cat_table_create(c, &t, false, &err), &err, TN_EEXIST,
	       "table main.default.orders already exists");
	expect(cat_table_create(c, &v, false, &err), &err, TN_EEXIST,
	       "view main.default.big_orders already exists");
	t.schema = (char *)"nope";
	expect(cat_table_create(c, &t, false, &err), &err, TN_ENOENT, "schema main.nope not found");
	t.schema = (char *)"default";

	OK(cat_list_tables(c, "main", "default", &o, &n, &e_));
	assert_int_equal(n, 2);
	assert_string_equal(o[0].name, "big_orders");
	assert_int_equal(o[0].type, CAT_VIEW);
	assert_string_equal(o[0].view_sql, "SELECT 1");
	assert_null(o[0].location);
	assert_string_equal(o[1].name, "orders");
	assert_string_equal(o[1].schema, "default");
	assert_string_equal(o[1].catalog, "main");
	assert_string_equal(o[1].format, "delta");
	assert_int_equal(o[1].kind, CAT_KIND_TABLE);
	cat_list_free(o, n);
	OK(cat_list_schemas(c, "main", &o, &n, &e_));
	assert_int_equal(n, 2);
	assert_string_equal(o[0].schema, "default");
	assert_string_equal(o[1].schema, "s2");
	assert_string_equal(o[1].owner, "alice");
	cat_list_free(o, n);
	OK(cat_list_catalogs(c, &o, &n, &e_));
	assert_int_equal(n, 2);
	assert_string_equal(o[0].catalog, "c2");
	assert_string_equal(o[1].catalog, "main");
	cat_list_free(o, n);

	/* drop: missing, IF EXISTS, not empty, CASCADE */
	OK(cat_table_drop(c, "main", "default", "big_orders", false, &e_));
	expect(cat_table_drop(c, "main", "default", "big_orders", false, &err), &err, TN_ENOENT,
	       NULL);
	OK(cat_table_drop(c, "main", "default", "big_orders", true, &e_));
	OK(cat_table_drop(c, "main", "nope", "big_orders", true, &e_));
	expect(cat_schema_drop(c, "main", "default", false, false, &err), &err, TN_EINVAL,
	       "schema main.default is not empty (1 table or view); drop it with CASCADE");
	expect(cat_catalog_drop(c, "main", false, false, &err), &err, TN_EINVAL,
	       "catalog main is not empty (2 schemas); drop it with CASCADE");
	OK(cat_schema_drop(c, "c2", "nope", true, false, &e_));
	expect(cat_schema_drop(c, "c2", "nope", false, false, &err), &err, TN_ENOENT,
	       "schema c2.nope not found");
	OK(cat_catalog_drop(c, "c2", false, false, &e_));
	OK(cat_catalog_drop(c, "c2", true, false, &e_));
	expect(cat_catalog_drop(c, "c2", false, false, &err), &err, TN_ENOENT, NULL);

	/* CASCADE takes the tables and what was said about them */
	OK(cat_tag_set(c, CAT_KIND_TABLE, "main", "s2", "ext", "pii", "yes", &e_));
	OK(cat_grant(c, CAT_KIND_TABLE, "main", "s2", "ext", CAT_PRIV_SELECT, "bob", &e_));
	OK(cat_schema_drop(c, "main", "s2", false, true, &e_));
	expect(cat_table_get(c, "main", "s2", "ext", &t, &err), &err, TN_ENOENT, NULL);
	OK(cat_schema_create(c, "main", "s2", NULL, NULL, false, &e_));
	OK(cat_table_create(c, &x, false, &e_));
	OK(cat_tag_list(c, CAT_KIND_TABLE, "main", "s2", "ext", &kv, &n, &e_));
	assert_int_equal(n, 0);
	cat_kv_free(kv, n);
	OK(cat_grant_list(c, CAT_KIND_TABLE, "main", "s2", "ext", &g, &n, &e_));
	assert_int_equal(n, 0);
	cat_grant_free(g, n);
	OK(cat_catalog_drop(c, "main", false, true, &e_));
	OK(cat_list_catalogs(c, &o, &n, &e_));
	assert_int_equal(n, 0);
	cat_list_free(o, n);
	cat_close(c);
}

static void test_case_insensitive(void **state)
{
	struct cat *c = fresh();
	struct cat_object t = table("MAIN", "Default", "Orders", CAT_MANAGED);
	struct cat_object o;
	struct tn_err err;
	char *loc;

	(void)state;
	OK(cat_catalog_create(c, "Sales", NULL, NULL, false, &e_));
	expect(cat_catalog_create(c, "SALES", NULL, NULL, false, &err), &err, TN_EEXIST,
	       "catalog Sales already exists");
	OK(cat_object_get(c, CAT_KIND_CATALOG, "sAlEs", NULL, &o, &e_));
	assert_string_equal(o.catalog, "Sales");
	cat_object_done(&o);
	OK(cat_table_create(c, &t, false, &e_));
	OK(cat_table_get(c, "main", "DEFAULT", "ORDERS", &o, &e_));
	assert_string_equal(o.catalog, "main");
	assert_string_equal(o.schema, "default");
	assert_string_equal(o.name, "Orders");
	loc = tn_asprintf("%s/warehouse/main/default/orders", cat_lakehouse(c));
	assert_string_equal(o.location, loc);
	free(loc);
	cat_object_done(&o);
	loc = cat_managed_location(c, "A", "B", "C");
	assert_true(tn_str_endswith(loc, "/warehouse/a/b/c"));
	free(loc);
	OK(cat_grant(c, CAT_KIND_TABLE, "Main", "DEFAULT", "orders", CAT_PRIV_SELECT, "bob", &e_));
	OK(cat_table_drop(c, "MAIN", "default", "oRDERS", false, &e_));
	cat_close(c);
}

static void test_near_names(void **state)
{
	struct cat *c = fresh();
	struct cat_object t = table("main", "default", "orders", CAT_MANAGED);
	struct cat_object o;
	struct tn_err err;

	(void)state;
	OK(cat_table_create(c, &t, false, &e_));
	expect(cat_table_get(c, "main", "default", "ordrs", &o, &err), &err, TN_ENOENT,
	       "table main.default.ordrs not found; did you mean main.default.orders?");
	expect(cat_table_get(c, "main", "defualt", "orders", &o, &err), &err, TN_ENOENT,
	       "schema main.defualt not found; did you mean main.default?");
	expect(cat_table_get(c, "man", "default", "orders", &o, &err), &err, TN_ENOENT,
	       "catalog man not found; did you mean main?");
	expect(cat_table_get(c, "main", "default", "customers", &o, &err), &err, TN_ENOENT,
	       "table main.default.customers not found");
	expect(cat_object_get(c, CAT_KIND_SCHEMA, "main", "dfault", &o, &err), &err, TN_ENOENT,
	       "schema main.dfault not found; did you mean main.default?");
	expect(cat_comment_set(c, CAT_KIND_TABLE, "main", "default", "Ordes", "x", &err), &err,
	       TN_ENOENT, "table main.default.Ordes not found; did you mean main.default.orders?");
	expect(cat_table_get(c, "main", NULL, "orders", &o, &err), &err, TN_EINVAL, NULL);
	cat_close(c);
}

static void test_comments_owners_props_tags(void **state)
{
	struct cat *c = fresh();
	struct cat_object t = table("main", "default", "orders", CAT_MANAGED);
	struct cat_object v = table("main", "default", "orders", CAT_VIEW);
	struct cat_object o;
	struct cat_kv *kv;
	struct cat_grant *g;
	size_t n;
	struct tn_err err;

	(void)state;
	t.comment = (char *)"first";
	t.owner = (char *)"alice";
	OK(cat_table_create(c, &t, false, &e_));
	OK(cat_comment_set(c, CAT_KIND_SCHEMA, "main", "default", NULL, "the default", &e_));
	OK(cat_object_get(c, CAT_KIND_SCHEMA, "main", "default", &o, &e_));
	assert_string_equal(o.comment, "the default");
	cat_object_done(&o);
	OK(cat_comment_set(c, CAT_KIND_SCHEMA, "main", "default", NULL, NULL, &e_));
	OK(cat_object_get(c, CAT_KIND_SCHEMA, "main", "default", &o, &e_));
	assert_null(o.comment);
	cat_object_done(&o);
	OK(cat_owner_set(c, CAT_KIND_CATALOG, "main", NULL, NULL, "team", &e_));
	OK(cat_object_get(c, CAT_KIND_CATALOG, "main", NULL, &o, &e_));
	assert_string_equal(o.owner, "team");
	assert_true(o.updated_ms >= o.created_ms);
	cat_object_done(&o);
	expect(cat_owner_set(c, CAT_KIND_CATALOG, "main", NULL, NULL, "", &err), &err, TN_EINVAL,
	       NULL);

	/* properties: set, overwrite, remove, sorted; not on tables */
	OK(cat_property_set(c, CAT_KIND_CATALOG, "main", NULL, NULL, "b", "1", &e_));
	OK(cat_property_set(c, CAT_KIND_CATALOG, "main", NULL, NULL, "a", "2", &e_));
	OK(cat_property_set(c, CAT_KIND_CATALOG, "main", NULL, NULL, "b", "3", &e_));
	OK(cat_property_set(c, CAT_KIND_SCHEMA, "main", "default", NULL, "s", "x", &e_));
	OK(cat_property_list(c, CAT_KIND_CATALOG, "main", NULL, NULL, &kv, &n, &e_));
	assert_int_equal(n, 2);
	assert_string_equal(kv[0].key, "a");
	assert_string_equal(kv[0].value, "2");
	assert_string_equal(kv[1].key, "b");
	assert_string_equal(kv[1].value, "3");
	cat_kv_free(kv, n);
	OK(cat_property_set(c, CAT_KIND_CATALOG, "main", NULL, NULL, "a", NULL, &e_));
	OK(cat_property_set(c, CAT_KIND_CATALOG, "main", NULL, NULL, "zz", NULL, &e_));
	OK(cat_property_list(c, CAT_KIND_CATALOG, "main", NULL, NULL, &kv, &n, &e_));
	assert_int_equal(n, 1);
	assert_string_equal(kv[0].key, "b");
	cat_kv_free(kv, n);
	OK(cat_property_set(c, CAT_KIND_TABLE, "main", "default", "orders", "column.id.comment",
			    "the key", &e_));
	expect(cat_property_set(c, CAT_KIND_CATALOG, "nope", NULL, NULL, "k", "v", &err), &err,
	       TN_ENOENT, NULL);

	/* tags on any object */
	OK(cat_tag_set(c, CAT_KIND_TABLE, "main", "default", "orders", "pii", "email", &e_));
	OK(cat_tag_set(c, CAT_KIND_TABLE, "main", "default", "orders", "domain", "sales", &e_));
	OK(cat_tag_set(c, CAT_KIND_CATALOG, "main", NULL, NULL, "env", "prod", &e_));
	OK(cat_tag_list(c, CAT_KIND_TABLE, "main", "default", "orders", &kv, &n, &e_));
	assert_int_equal(n, 2);
	assert_string_equal(kv[0].key, "domain");
	assert_string_equal(kv[1].key, "pii");
	assert_string_equal(kv[1].value, "email");
	cat_kv_free(kv, n);
	expect(cat_tag_set(c, CAT_KIND_CATALOG, "main", NULL, NULL, "", "x", &err), &err,
	       TN_EINVAL, NULL);

	/* CREATE OR REPLACE: the owner stays; comment, tags and grants go */
	OK(cat_grant(c, CAT_KIND_TABLE, "main", "default", "orders", CAT_PRIV_SELECT, "bob", &e_));
	t.comment = (char *)"second";
	t.owner = NULL;
	t.type = CAT_EXTERNAL;
	t.location = (char *)"/data/orders";
	OK(cat_table_create(c, &t, true, &e_));
	OK(cat_table_get(c, "main", "default", "orders", &o, &e_));
	assert_string_equal(o.comment, "second");
	assert_string_equal(o.owner, "alice");
	assert_int_equal(o.type, CAT_EXTERNAL);
	assert_string_equal(o.location, "/data/orders");
	cat_object_done(&o);
	OK(cat_tag_list(c, CAT_KIND_TABLE, "main", "default", "orders", &kv, &n, &e_));
	assert_int_equal(n, 0);
	cat_kv_free(kv, n);
	OK(cat_grant_list(c, CAT_KIND_TABLE, "main", "default", "orders", &g, &n, &e_));
	assert_int_equal(n, 0);
	cat_grant_free(g, n);
	expect(cat_table_create(c, &v, true, &err), &err, TN_EINVAL,
	       "main.default.orders is a table, not a view");
	cat_close(c);
}

/* May user (in groups) do priv on the table main.sales.orders? */
static int may(struct cat *c, const char *user, const char *group, unsigned priv,
	       struct tn_err *err)
{
	const char *groups[2] = {"staff", group};
	struct cat_principal who = {user, groups, group ? 2 : 1};

	return cat_check(c, &who, priv, CAT_KIND_TABLE, "main", "sales", "orders", err);
}

static void test_grants_and_check(void **state)
{
	struct cat *c = fresh();
	struct cat_object t = table("main", "sales", "orders", CAT_MANAGED);
	struct cat_object t2 = table("main", "hr", "pay", CAT_MANAGED);
	struct cat_grant *g;
	size_t n;
	struct tn_err err;
	const char *root_groups[1] = {"root"};
	struct cat_principal root = {"root", root_groups, 1};

	(void)state;
	OK(cat_schema_create(c, "main", "sales", NULL, NULL, false, &e_));
	OK(cat_schema_create(c, "main", "hr", NULL, NULL, false, &e_));
	OK(cat_table_create(c, &t, false, &e_));
	OK(cat_table_create(c, &t2, false, &e_));

	/* administrators: root, and whoever owns the lakehouse directory */
	OK(cat_check(c, &root, CAT_PRIV_ALL, CAT_KIND_TABLE, "main", "sales", "orders", &e_));
	OK(cat_check(c, cat_principal_current(), CAT_PRIV_MODIFY, CAT_KIND_TABLE, "main", "sales",
		     "orders", &e_));

	/* bob has nothing: USE on the catalog is missing first */
	expect(may(c, "bob", NULL, CAT_PRIV_SELECT, &err), &err, TN_EPERM,
	       "permission denied: user bob lacks USE on catalog main");
	OK(cat_grant(c, CAT_KIND_CATALOG, "main", NULL, NULL, CAT_PRIV_USE, "bob", &e_));
	expect(may(c, "bob", NULL, CAT_PRIV_SELECT, &err), &err, TN_EPERM,
	       "permission denied: user bob lacks USE on schema main.sales");
	OK(cat_grant(c, CAT_KIND_SCHEMA, "main", "sales", NULL, CAT_PRIV_USE, "bob", &e_));
	expect(may(c, "bob", NULL, CAT_PRIV_SELECT, &err), &err, TN_EPERM,
	       "permission denied: user bob lacks SELECT on table main.sales.orders");

	/* SELECT on the schema is inherited by its tables, not by others */
	OK(cat_grant(c, CAT_KIND_SCHEMA, "main", "sales", NULL, CAT_PRIV_SELECT, "bob", &e_));
	OK(may(c, "bob", NULL, CAT_PRIV_SELECT, &e_));
	expect(may(c, "bob", NULL, CAT_PRIV_MODIFY, &err), &err, TN_EPERM,
	       "permission denied: user bob lacks MODIFY on table main.sales.orders");
	expect(cat_check(c, &(struct cat_principal){"bob", NULL, 0}, CAT_PRIV_SELECT,
			 CAT_KIND_TABLE, "main", "hr", "pay", &err),
	       &err, TN_EPERM, "permission denied: user bob lacks USE on schema main.hr");
	OK(cat_check(c, &(struct cat_principal){"bob", NULL, 0}, CAT_PRIV_USE, CAT_KIND_SCHEMA,
		     "main", "sales", NULL, &e_));

	/* revoke, then a grant on the table itself */
	OK(cat_revoke(c, CAT_KIND_SCHEMA, "main", "sales", NULL, CAT_PRIV_SELECT, "bob", &e_));
	expect(may(c, "bob", NULL, CAT_PRIV_SELECT, &err), &err, TN_EPERM, NULL);
	OK(cat_revoke(c, CAT_KIND_SCHEMA, "main", "sales", NULL, CAT_PRIV_MODIFY, "bob", &e_));
	OK(cat_revoke(c, CAT_KIND_SCHEMA, "main", "sales", NULL, CAT_PRIV_MODIFY, "nobody", &e_));
	OK(cat_grant(c, CAT_KIND_TABLE, "main", "sales", "orders", CAT_PRIV_SELECT, "bob", &e_));
	OK(may(c, "bob", NULL, CAT_PRIV_SELECT, &e_));
	/* USE is not inherited: USE on the catalog does not open its schemas */
	OK(cat_revoke(c, CAT_KIND_SCHEMA, "main", "sales", NULL, CAT_PRIV_USE, "bob", &e_));
	expect(may(c, "bob", NULL, CAT_PRIV_SELECT, &err), &err, TN_EPERM,
	       "permission denied: user bob lacks USE on schema main.sales");
	OK(cat_revoke(c, CAT_KIND_CATALOG, "main", NULL, NULL, CAT_PRIV_USE, "bob", &e_));
	expect(may(c, "bob", NULL, CAT_PRIV_SELECT, &err), &err, TN_EPERM,
	       "permission denied: user bob lacks USE on catalog main");
	OK(cat_grant(c, CAT_KIND_CATALOG, "main", NULL, NULL, CAT_PRIV_USE, "bob", &e_));
	OK(cat_grant(c, CAT_KIND_CATALOG, "main", NULL, NULL, CAT_PRIV_USE, "bob", &e_));
	OK(cat_grant(c, CAT_KIND_SCHEMA, "main", "sales", NULL, CAT_PRIV_USE, "bob", &e_));
	OK(may(c, "bob", NULL, CAT_PRIV_SELECT, &e_));
	/* ALL PRIVILEGES on a catalog opens everything in it */
	OK(cat_grant(c, CAT_KIND_CATALOG, "main", NULL, NULL, CAT_PRIV_ALL, "grace", &e_));
	OK(may(c, "grace", NULL, CAT_PRIV_MODIFY, &e_));
	OK(cat_check(c, &(struct cat_principal){"grace", NULL, 0}, CAT_PRIV_USE, CAT_KIND_SCHEMA,
		     "main", "hr", NULL, &e_));
	OK(cat_revoke(c, CAT_KIND_CATALOG, "main", NULL, NULL, CAT_PRIV_ALL, "grace", &e_));
	expect(may(c, "grace", NULL, CAT_PRIV_SELECT, &err), &err, TN_EPERM, NULL);

	/* groups */
	expect(may(c, "carol", "analysts", CAT_PRIV_SELECT, &err), &err, TN_EPERM,
	       "permission denied: user carol lacks USE on catalog main");
	OK(cat_grant(c, CAT_KIND_CATALOG, "main", NULL, NULL, CAT_PRIV_USE, "analysts", &e_));
	OK(cat_grant(c, CAT_KIND_SCHEMA, "main", "sales", NULL, CAT_PRIV_USE | CAT_PRIV_SELECT,
		     "analysts", &e_));
	OK(may(c, "carol", "analysts", CAT_PRIV_SELECT, &e_));
	expect(may(c, "carol", NULL, CAT_PRIV_SELECT, &err), &err, TN_EPERM, NULL);
	expect(may(c, "carol", "analysts", CAT_PRIV_MODIFY, &err), &err, TN_EPERM, NULL);
	/* ALL PRIVILEGES, and what a partial revoke leaves */
	OK(cat_grant(c, CAT_KIND_TABLE, "main", "sales", "orders", CAT_PRIV_ALL, "analysts", &e_));
	OK(may(c, "carol", "analysts", CAT_PRIV_MODIFY, &e_));
	OK(cat_revoke(c, CAT_KIND_TABLE, "main", "sales", "orders", CAT_PRIV_MODIFY, "analysts",
		      &e_));
	expect(may(c, "carol", "analysts", CAT_PRIV_MODIFY, &err), &err, TN_EPERM, NULL);
	expect(may(c, "carol", "analysts", CAT_PRIV_ALL, &err), &err, TN_EPERM,
	       "permission denied: user carol lacks ALL PRIVILEGES on table main.sales.orders");
	OK(may(c, "carol", "analysts", CAT_PRIV_CREATE, &e_));

	OK(cat_grant_list(c, CAT_KIND_TABLE, "main", "sales", "orders", &g, &n, &e_));
	assert_int_equal(n, 2);
	assert_string_equal(g[0].principal, "analysts");
	assert_int_equal(g[0].privs, CAT_PRIV_USE | CAT_PRIV_SELECT | CAT_PRIV_CREATE);
	assert_int_equal(g[0].kind, CAT_KIND_TABLE);
	assert_string_equal(g[0].catalog, "main");
	assert_string_equal(g[0].schema, "sales");
	assert_string_equal(g[0].name, "orders");
	assert_string_equal(g[1].principal, "bob");
	assert_int_equal(g[1].privs, CAT_PRIV_SELECT);
	cat_grant_free(g, n);
	OK(cat_grant_list(c, CAT_KIND_CATALOG, "main", NULL, NULL, &g, &n, &e_));
	assert_int_equal(n, 2);
	assert_null(g[0].schema);
	cat_grant_free(g, n);

	/* owners of the object or anything above it, users or groups */
	expect(may(c, "dave", NULL, CAT_PRIV_MODIFY, &err), &err, TN_EPERM, NULL);
	OK(cat_owner_set(c, CAT_KIND_SCHEMA, "main", "sales", NULL, "dave", &e_));
	OK(may(c, "dave", NULL, CAT_PRIV_ALL, &e_));
	expect(cat_check(c, &(struct cat_principal){"dave", NULL, 0}, CAT_PRIV_SELECT,
			 CAT_KIND_TABLE, "main", "hr", "pay", &err),
	       &err, TN_EPERM, NULL);
	OK(cat_owner_set(c, CAT_KIND_TABLE, "main", "hr", "pay", "payroll", &e_));
	OK(cat_check(c, &(struct cat_principal){"erin", (const char *const[]){"payroll"}, 1},
		     CAT_PRIV_MODIFY, CAT_KIND_TABLE, "main", "hr", "pay", &e_));
	OK(cat_owner_set(c, CAT_KIND_CATALOG, "main", NULL, NULL, "frank", &e_));
	OK(cat_check(c, &(struct cat_principal){"frank", NULL, 0}, CAT_PRIV_ALL, CAT_KIND_TABLE,
		     "main", "hr", "pay", &e_));

	/* errors */
	expect(cat_grant(c, CAT_KIND_TABLE, "main", "sales", "ordrs", CAT_PRIV_SELECT, "bob",
			 &err),
	       &err, TN_ENOENT, "table main.sales.ordrs not found; did you mean main.sales.orders?");
	expect(cat_grant(c, CAT_KIND_CATALOG, "main", NULL, NULL, 0, "bob", &err), &err,
	       TN_EINVAL, NULL);
	expect(cat_grant(c, CAT_KIND_CATALOG, "main", NULL, NULL, 16, "bob", &err), &err,
	       TN_EINVAL, NULL);
	expect(may(c, "bob", NULL, 0, &err), &err, TN_EINVAL, NULL);
	expect(cat_check(c, &root, CAT_PRIV_SELECT, CAT_KIND_TABLE, "main", "sales", "nope", &err),
	       &err, TN_ENOENT, NULL);
	cat_close(c);
}

static void test_audit_history(void **state)
{
	struct cat *c = fresh();
	struct cat_audit a = {.ts_ms = 1000, .user = (char *)"bob",
			      .statement = (char *)"SELECT 1", .operation = (char *)"SELECT",
			      .rows = 1, .duration_us = 5, .outcome = (char *)"ok"};
	struct cat_audit *l;
	size_t n;
	struct tn_err err;

	(void)state;
	OK(cat_audit_add(c, &a, &e_));
	OK(cat_history_add(c, &a, &e_));
	a.user = (char *)"alice";
	a.statement = (char *)"DELETE FROM t";
	a.operation = (char *)"DELETE";
	a.object = (char *)"main.default.t";
	a.outcome = (char *)"denied";
	a.error = (char *)"permission denied";
	a.rows = -1;
	OK(cat_audit_add(c, &a, &e_));
	OK(cat_history_add(c, &a, &e_));
	a = (struct cat_audit){.statement = (char *)"SHOW TABLES", .rows = -1};
	OK(cat_audit_add(c, &a, &e_));
	OK(cat_history_add(c, &a, &e_));
	a.statement = NULL;
	expect(cat_audit_add(c, &a, &err), &err, TN_EINVAL, NULL);

	OK(cat_audit_list(c, NULL, -1, &l, &n, &e_));
	assert_int_equal(n, 3);
	assert_string_equal(l[0].statement, "SHOW TABLES");
	assert_string_equal(l[0].user, cat_principal_current()->user);
	assert_string_equal(l[0].outcome, "ok");
	assert_null(l[0].operation);
	assert_true(l[0].ts_ms > 1000);
	assert_string_equal(l[1].user, "alice");
	assert_string_equal(l[1].object, "main.default.t");
	assert_string_equal(l[1].error, "permission denied");
	assert_string_equal(l[1].outcome, "denied");
	assert_int_equal(l[1].rows, -1);
	assert_string_equal(l[2].user, "bob");
	assert_int_equal(l[2].ts_ms, 1000);
	assert_int_equal(l[2].duration_us, 5);
	assert_int_equal(l[2].rows, 1);
	assert_null(l[2].object);
	assert_true(l[0].id > l[1].id && l[1].id > l[2].id);
	cat_audit_free(l, n);
	OK(cat_audit_list(c, NULL, 2, &l, &n, &e_));
	assert_int_equal(n, 2);
	assert_string_equal(l[1].user, "alice");
	cat_audit_free(l, n);
	OK(cat_audit_list(c, "bob", -1, &l, &n, &e_));
	assert_int_equal(n, 1);
	assert_string_equal(l[0].statement, "SELECT 1");
	cat_audit_free(l, n);
	OK(cat_audit_list(c, NULL, 0, &l, &n, &e_));
	assert_int_equal(n, 0);
	cat_audit_free(l, n);

	/* a user clears their history; the audit log keeps everything */
	OK(cat_history_clear(c, "bob", &e_));
	OK(cat_history_list(c, NULL, -1, &l, &n, &e_));
	assert_int_equal(n, 2);
	assert_string_equal(l[1].user, "alice");
	cat_audit_free(l, n);
	OK(cat_history_list(c, "bob", -1, &l, &n, &e_));
	assert_int_equal(n, 0);
	cat_audit_free(l, n);
	OK(cat_history_clear(c, NULL, &e_));
	OK(cat_history_list(c, NULL, -1, &l, &n, &e_));
	assert_int_equal(n, 0);
	cat_audit_free(l, n);
	OK(cat_audit_list(c, NULL, -1, &l, &n, &e_));
	assert_int_equal(n, 3);
	cat_audit_free(l, n);
	cat_close(c);
}

/* Several processes open one new lakehouse at once (racing to create and
 * migrate tarn.db) and write to it; none may see "database is locked". */
#define NPROC 4
#define NWRITES 40

static int writer(int id)
{
	struct cat *c = NULL;
	struct tn_err err;
	int ret = cat_open(lake, &c, &err);

	for (int i = 0; ret == TN_OK && i < NWRITES; i++) {
		char name[32];
		struct cat_object t = table("main", "default", name, CAT_EXTERNAL);
		struct cat_audit a = {.statement = name, .rows = i};

		snprintf(name, sizeof(name), "t%d_%d", id, i);
		ret = cat_table_create(c, &t, false, &err);
		if (ret == TN_OK)
			ret = cat_audit_add(c, &a, &err);
		if (ret == TN_OK)
			ret = cat_grant(c, CAT_KIND_TABLE, "main", "default", name,
					CAT_PRIV_SELECT, "bob", &err);
		if (ret == TN_OK)
			ret = cat_tag_set(c, CAT_KIND_SCHEMA, "main", "default", NULL, "last",
					  name, &err);
	}
	if (ret != TN_OK)
		fprintf(stderr, "writer %d: %s\n", id, err.msg);
	cat_close(c);
	return ret == TN_OK ? 0 : 1;
}

static void test_concurrent(void **state)
{
	struct cat *a, *b;
	struct cat_object *o, got;
	struct cat_audit *l;
	size_t n;
	pid_t pids[NPROC];
	int failed = 0;
	struct cat_object t = table("main", "default", "shared", CAT_EXTERNAL);

	(void)state;
	free(lake);
	lake = tn_asprintf("%s/race", dir);
	for (int i = 0; i < NPROC; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(writer(i));
	}
	for (int i = 0; i < NPROC; i++) {
		int status;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	assert_int_equal(failed, 0);

	/* two handles in one process see each other's writes */
	OK(cat_open(lake, &a, &e_));
	OK(cat_open(lake, &b, &e_));
	assert_int_equal(cat_schema_version(a), cat_schema_version(b));
	OK(cat_list_tables(b, "main", "default", &o, &n, &e_));
	assert_int_equal(n, NPROC * NWRITES);
	cat_list_free(o, n);
	OK(cat_audit_list(a, NULL, -1, &l, &n, &e_));
	assert_int_equal(n, NPROC * NWRITES);
	cat_audit_free(l, n);
	OK(cat_table_create(a, &t, false, &e_));
	OK(cat_table_get(b, "main", "default", "shared", &got, &e_));
	assert_string_equal(got.location, "/data/ext");
	cat_object_done(&got);
	cat_close(a);
	cat_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_defaults),
		cmocka_unit_test(test_reopen),
		cmocka_unit_test(test_moved_lakehouse),
		cmocka_unit_test(test_create_drop),
		cmocka_unit_test(test_case_insensitive),
		cmocka_unit_test(test_near_names),
		cmocka_unit_test(test_comments_owners_props_tags),
		cmocka_unit_test(test_grants_and_check),
		cmocka_unit_test(test_audit_history),
		cmocka_unit_test(test_concurrent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
