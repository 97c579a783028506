/* action.c - the one registry of actions and the key map over it: key
 * bindings, the command palette, help and the recorder all name these. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/str.h"
#include "tui/tui_int.h"

const char *const tui_ctx_names[CTX_COUNT] = {
	"global", "catalog", "editor", "results", "history", "pipelines", "shares",
};

static const struct tui_action **actions;
static size_t nactions;

struct binding {
	enum tui_ctx ctx;
	int keys[2];
	size_t n;
	const struct tui_action *a;
};
static struct binding *bindings;
static size_t nbindings;

void action_register(const struct tui_action *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct tui_action *old = action_find(a[i].name);

		/* A pane made again (a second app in one process) registers the
		 * same table again: nothing to do. */
		if (old == &a[i])
			continue;
		if (old != NULL)
			tn_fatal("action '%s' is registered twice", a[i].name);
		actions = tn_reallocarray(actions, nactions + 1, sizeof(*actions));
		actions[nactions++] = &a[i];
	}
}

const struct tui_action *action_find(const char *name)
{
	for (size_t i = 0; i < nactions; i++)
		if (strcmp(actions[i]->name, name) == 0)
			return actions[i];
	return NULL;
}

size_t action_count(void)
{
	return nactions;
}

const struct tui_action *action_at(size_t i)
{
	return i < nactions ? actions[i] : NULL;
}

/* "C-w h" -> two keys. Returns how many (0: not a binding). */
static size_t parse_binding(const char *text, int keys[2])
{
	char *copy = tn_strdup(text), *save = NULL;
	size_t n = 0;

	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		int k = key_parse(w);

		if (k < 0 || n == 2) {
			n = 0;
			break;
		}
		keys[n++] = k;
	}
	free(copy);
	return n;
}

static struct binding *find_binding(enum tui_ctx ctx, const int *keys, size_t n)
{
	for (size_t i = 0; i < nbindings; i++)
		if (bindings[i].ctx == ctx && bindings[i].n == n &&
		    memcmp(bindings[i].keys, keys, n * sizeof(int)) == 0)
			return &bindings[i];
	return NULL;
}

static void bind(enum tui_ctx ctx, const int *keys, size_t n, const struct tui_action *a)
{
	struct binding *b = find_binding(ctx, keys, n);

	if (b == NULL) {
		bindings = tn_reallocarray(bindings, nbindings + 1, sizeof(*bindings));
		b = &bindings[nbindings++];
	}
	*b = (struct binding){ctx, {keys[0], n > 1 ? keys[1] : 0}, n, a};
}

static void unbind(enum tui_ctx ctx, const int *keys, size_t n)
{
	struct binding *b = find_binding(ctx, keys, n);

	if (b != NULL) {
		size_t i = (size_t)(b - bindings);

		memmove(b, b + 1, (nbindings - i - 1) * sizeof(*b));
		nbindings--;
	}
}

void keymap_reset(void)
{
	free(bindings);
	bindings = NULL;
	nbindings = 0;
	for (size_t i = 0; i < nactions; i++) {
		const char *p = actions[i]->keys;

		/* bindings are separated by ", " (a lone "," is a key) */
		while (p != NULL && *p != '\0') {
			const char *sep = strstr(p + 1, ", ");
			size_t len = sep != NULL ? (size_t)(sep - p) : strlen(p);
			char *one = tn_strndup(p, len);
			int keys[2];
			size_t n = parse_binding(one, keys);

			if (n == 0)
				tn_warn("action %s: bad default key '%s'", actions[i]->name, one);
			else
				bind(actions[i]->ctx, keys, n, actions[i]);
			free(one);
			p = sep != NULL ? sep + 2 : NULL;
		}
	}
}

static int ctx_parse(const char *s)
{
	for (int i = 0; i < CTX_COUNT; i++)
		if (strcmp(s, tui_ctx_names[i]) == 0)
			return i;
	return -1;
}

/* One line of a key map file (already trimmed, not a comment). */
static int keymap_line(char *line, const char *path, int lineno, struct tn_err *err)
{
	char *w[5], *save = NULL;
	size_t nw = 0, nkeys;
	int keys[2], ctx;
	bool is_bind;
	const struct tui_action *a = NULL;
	char keytext[64];

	for (char *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (nw == 5)
			goto syntax;
		w[nw++] = t;
	}
	is_bind = strcmp(w[0], "bind") == 0;
	if (is_bind ? nw < 4 : (strcmp(w[0], "unbind") != 0 || nw < 3 || nw > 4))
		goto syntax;
	ctx = ctx_parse(w[1]);
	if (ctx < 0)
		return tn_err_set(err, TN_EINVAL,
				  "%s:%d: unknown context '%s' (global, catalog, editor, results, "
				  "history, pipelines or shares)",
				  path, lineno, w[1]);
	nkeys = nw - (is_bind ? 3 : 2);
	if (nkeys > 2)
		goto syntax;
	snprintf(keytext, sizeof(keytext), "%s%s%s", w[2], nkeys == 2 ? " " : "",
		 nkeys == 2 ? w[3] : "");
	if (parse_binding(keytext, keys) != nkeys)
		return tn_err_set(err, TN_EINVAL, "%s:%d: unknown key '%s'", path, lineno, keytext);
	if (!is_bind) {
		unbind((enum tui_ctx)ctx, keys, nkeys);
		return TN_OK;
	}
	a = action_find(w[nw - 1]);
	if (a == NULL)
		return tn_err_set(err, TN_EINVAL, "%s:%d: unknown action '%s'", path, lineno,
				  w[nw - 1]);
	bind((enum tui_ctx)ctx, keys, nkeys, a);
	return TN_OK;
syntax:
	return tn_err_set(err, TN_EINVAL,
			  "%s:%d: expected 'bind CONTEXT KEYS ACTION' or 'unbind CONTEXT KEYS'",
			  path, lineno);
}

int keymap_load(const char *path, struct tn_err *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = TN_OK;

	if (f == NULL)
		return errno == ENOENT ? TN_OK : tn_err_sys(err, errno, "cannot open key map %s", path);
	while (rc == TN_OK && getline(&line, &cap, f) >= 0) {
		char *t = tn_str_trim(line);

		lineno++;
		if (*t != '\0' && *t != '#')
			rc = keymap_line(t, path, lineno, err);
	}
	if (rc == TN_OK && ferror(f))
		rc = tn_err_sys(err, errno, "cannot read key map %s", path);
	free(line);
	fclose(f);
	return rc;
}

const struct tui_action *keymap_lookup_in(enum tui_ctx ctx, const int *keys, size_t n,
					  bool *prefix)
{
	const struct tui_action *found = NULL;

	*prefix = false;
	for (size_t i = 0; i < nbindings; i++) {
		const struct binding *b = &bindings[i];

		if (b->ctx != ctx || b->n < n || memcmp(b->keys, keys, n * sizeof(int)) != 0)
			continue;
		if (b->n == n)
			found = b->a;
		else
			*prefix = true;
	}
	/* An exact binding wins over a longer one it starts. */
	if (found != NULL)
		*prefix = false;
	return found;
}

const struct tui_action *keymap_lookup(enum tui_ctx ctx, const int *keys, size_t n,
				       bool *prefix)
{
	const struct tui_action *a = keymap_lookup_in(ctx, keys, n, prefix);
	bool gprefix;

	if (a != NULL || *prefix || ctx == CTX_GLOBAL)
		return a;
	a = keymap_lookup_in(CTX_GLOBAL, keys, n, &gprefix);
	*prefix = gprefix;
	return a;
}

const char *keymap_keys_of(const struct tui_action *a, char *buf, size_t n)
{
	size_t used = 0;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < nbindings && used + 1 < n; i++) {
		char k1[32], k2[32];
		int w;

		if (bindings[i].a != a)
			continue;
		key_name(bindings[i].keys[0], k1, sizeof(k1));
		if (bindings[i].n == 2)
			key_name(bindings[i].keys[1], k2, sizeof(k2));
		w = snprintf(buf + used, n - used, "%s%s%s%s", used ? ", " : "", k1,
			     bindings[i].n == 2 ? " " : "", bindings[i].n == 2 ? k2 : "");
		if (w < 0 || (size_t)w >= n - used) {
			buf[used] = '\0'; /* leave out a binding that does not fit */
			break;
		}
		used += (size_t)w;
	}
	return buf;
}

char *tui_keys_path(void)
{
	const char *cfg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (cfg != NULL && *cfg != '\0')
		return tn_asprintf("%s/tarn/keys", cfg);
	return tn_asprintf("%s/.config/tarn/keys", home != NULL && *home ? home : ".");
}
