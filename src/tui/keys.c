/* keys.c - key names and the terminal's key sequences (tui_int.h "keys"). */
#include <stdio.h>
#include <string.h>

#include "base/str.h"
#include "tui/tui_int.h"

/* Named keys: the name key_parse reads and key_name writes. */
static const struct {
	const char *name;
	int key;
} named[] = {
	{"Up", TK_UP},         {"Down", TK_DOWN},       {"Left", TK_LEFT},
	{"Right", TK_RIGHT},   {"Home", TK_HOME},       {"End", TK_END},
	{"PgUp", TK_PGUP},     {"PgDn", TK_PGDN},       {"Ins", TK_INS},
	{"Del", TK_DEL},       {"S-Tab", TK_BTAB},      {"S-Up", TK_S_UP},
	{"S-Down", TK_S_DOWN}, {"S-Left", TK_S_LEFT},   {"S-Right", TK_S_RIGHT},
	{"S-Home", TK_S_HOME}, {"S-End", TK_S_END},     {"C-Left", TK_C_LEFT},
	{"C-Right", TK_C_RIGHT}, {"Resize", TK_RESIZE}, {"C-Space", TK_CTRL_SPACE},
	{"Enter", TK_ENTER},   {"Tab", TK_TAB},         {"Esc", TK_ESC},
	{"Backspace", TK_BACKSPACE}, {"Space", ' '},
};

/* Escape sequences of the TK_* keys (xterm, with the forms screen, tmux,
 * rxvt and the Linux console send too). The first of each key is what
 * key_encode writes. */
static const struct {
	const char *seq;
	int key;
} seqs[] = {
	{"\033[A", TK_UP},         {"\033[B", TK_DOWN},        {"\033[C", TK_RIGHT},
	{"\033[D", TK_LEFT},       {"\033OA", TK_UP},          {"\033OB", TK_DOWN},
	{"\033OC", TK_RIGHT},      {"\033OD", TK_LEFT},        {"\033[H", TK_HOME},
	{"\033[F", TK_END},        {"\033OH", TK_HOME},        {"\033OF", TK_END},
	{"\033[1~", TK_HOME},      {"\033[7~", TK_HOME},       {"\033[4~", TK_END},
	{"\033[8~", TK_END},       {"\033[5~", TK_PGUP},       {"\033[6~", TK_PGDN},
	{"\033[2~", TK_INS},       {"\033[3~", TK_DEL},        {"\033[Z", TK_BTAB},
	{"\033[1;2A", TK_S_UP},    {"\033[1;2B", TK_S_DOWN},   {"\033[1;2C", TK_S_RIGHT},
	{"\033[1;2D", TK_S_LEFT},  {"\033[1;2H", TK_S_HOME},   {"\033[1;2F", TK_S_END},
	{"\033[a", TK_S_UP},       {"\033[b", TK_S_DOWN},      {"\033[c", TK_S_RIGHT},
	{"\033[d", TK_S_LEFT},     {"\033[1;5C", TK_C_RIGHT},  {"\033[1;5D", TK_C_LEFT},
	{"\033Oc", TK_C_RIGHT},    {"\033Od", TK_C_LEFT},      {"\033[5C", TK_C_RIGHT},
	{"\033[5D", TK_C_LEFT},    {"\033OP", TK_F1},          {"\033OQ", TK_F1 + 1},
	{"\033OR", TK_F1 + 2},     {"\033OS", TK_F1 + 3},      {"\033[15~", TK_F1 + 4},
	{"\033[17~", TK_F1 + 5},   {"\033[18~", TK_F1 + 6},    {"\033[19~", TK_F1 + 7},
	{"\033[20~", TK_F1 + 8},   {"\033[21~", TK_F1 + 9},    {"\033[23~", TK_F1 + 10},
	{"\033[24~", TK_F1 + 11},  {"\033[11~", TK_F1},        {"\033[12~", TK_F1 + 1},
	{"\033[13~", TK_F1 + 2},   {"\033[14~", TK_F1 + 3},    {"\033[[A", TK_F1},
	{"\033[[B", TK_F1 + 1},    {"\033[[C", TK_F1 + 2},     {"\033[[D", TK_F1 + 3},
	{"\033[[E", TK_F1 + 4},
};

bool key_is_text(int key)
{
	return key >= 32 && key != 127 && key < 0x110000 && !(key >= 0xd800 && key < 0xe000);
}

size_t tui_utf8_encode(uint32_t cp, char b[4])
{
	if (cp < 0x80) {
		b[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (char)(0xf0 | (cp >> 18));
	b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	b[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

int key_parse(const char *name)
{
	uint32_t cp;
	size_t len, n;
	int k;

	if (name == NULL || *name == '\0')
		return -1;
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strcmp(name, named[i].name) == 0)
			return named[i].key;
	if (name[0] == 'F' && name[1] >= '1' && name[1] <= '9') {
		int f = name[1] - '0';

		if (name[2] >= '0' && name[2] <= '9' && name[3] == '\0')
			f = f * 10 + name[2] - '0';
		else if (name[2] != '\0')
			f = 0;
		if (f >= 1 && f <= 12)
			return TK_F1 + f - 1;
	}
	if (strncmp(name, "M-", 2) == 0 && name[2] != '\0') {
		k = key_parse(name + 2);
		return k < 0 || (k & TK_ALT) || k == TK_RESIZE ? -1 : k | TK_ALT;
	}
	if (strncmp(name, "C-", 2) == 0 && name[2] != '\0' && name[3] == '\0') {
		char c = name[2];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || strchr("@[\\]^_", c) != NULL)
			return TK_CTRL(c);
		return -1;
	}
	n = strlen(name);
	len = tui_utf8_decode(name, n, &cp);
	if (len != n || cp == 0xfffd || !key_is_text((int)cp) || cp == ' ')
		return -1;
	return (int)cp;
}

const char *key_name(int key, char *buf, size_t n)
{
	char tmp[32];
	const char *alt = (key & TK_ALT) ? "M-" : "";

	key &= ~TK_ALT;
	tmp[0] = '\0';
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (named[i].key == key) {
			snprintf(tmp, sizeof(tmp), "%s", named[i].name);
			break;
		}
	if (tmp[0] != '\0')
		;
	else if (key >= TK_F1 && key <= TK_F12)
		snprintf(tmp, sizeof(tmp), "F%d", key - TK_F1 + 1);
	else if (key == 0)
		snprintf(tmp, sizeof(tmp), "C-@");
	else if (key > 0 && key < 32)
		snprintf(tmp, sizeof(tmp), "C-%c",
			 key <= 26 ? 'a' + key - 1 : "[\\]^_"[key - 27]);
	else if (key_is_text(key))
		tmp[tui_utf8_encode((uint32_t)key, tmp)] = '\0';
	else
		snprintf(tmp, sizeof(tmp), "<%#x>", (unsigned)key);
	snprintf(buf, n, "%s%s", alt, tmp);
	return buf;
}

size_t key_encode(int key, char *buf, size_t n)
{
	char tmp[16];
	size_t len = 0;

	if (key & TK_ALT) {
		tmp[len++] = '\033';
		key &= ~TK_ALT;
	}
	if (key == TK_RESIZE || key < 0)
		return 0;
	if (key == TK_CTRL_SPACE) {
		tmp[len++] = '\0';
	} else if (key >= 0x110000) {
		size_t i;

		for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
			if (seqs[i].key == key)
				break;
		if (i == sizeof(seqs) / sizeof(seqs[0]))
			return 0;
		memcpy(tmp + len, seqs[i].seq, strlen(seqs[i].seq));
		len += strlen(seqs[i].seq);
	} else {
		len += tui_utf8_encode((uint32_t)key, tmp + len);
	}
	if (len > n)
		return 0;
	memcpy(buf, tmp, len);
	return len;
}

/* An escape sequence at s[0..n) (s[0] is Esc): its length, 0 when it is
 * incomplete, with *key 0 for a sequence tarn does not know. */
static size_t decode_seq(const char *s, size_t n, int *key)
{
	size_t end;

	if (n < 2)
		return 0;
	if (s[1] == 'O') {
		end = 3;
	} else {
		/* CSI: parameters and intermediates, then a final byte. "\033[["
		 * is the Linux console's F1-F5 prefix. */
		end = 2;
		if (n > 2 && s[2] == '[')
			end = 3;
		while (end < n && (unsigned char)s[end] >= 0x20 && (unsigned char)s[end] < 0x40)
			end++;
		end++;
	}
	if (end > n)
		return 0;
	*key = 0;
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
		if (strlen(seqs[i].seq) == end && memcmp(seqs[i].seq, s, end) == 0) {
			*key = seqs[i].key;
			return end;
		}
	/* Modified keys xterm writes as CSI 1;M X or CSI N;M ~ that the table
	 * lacks: Alt (M = 3) keeps the key; other modifiers are dropped so the
	 * key still does something. */
	if (s[1] == '[' && end > 3) {
		char plain[16];
		const char *semi = memchr(s, ';', end);
		int mod = semi != NULL ? semi[1] - '0' : 1;

		if (semi != NULL && (size_t)(semi - s) + 2 < sizeof(plain)) {
			size_t p = (size_t)(semi - s);
			int k = 0;

			memcpy(plain, s, p);
			if (p == 3 && s[2] == '1' && s[end - 1] != '~')
				p = 2; /* CSI 1;3A is CSI A with Alt */
			plain[p] = s[end - 1];
			decode_seq(plain, p + 1, &k);
			if (k != 0)
				*key = mod == 3 ? k | TK_ALT : k;
		}
	}
	return end;
}

size_t key_decode(const char *s, size_t n, int *key)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;
	size_t len;

	*key = 0;
	if (n == 0)
		return 0;
	if (u[0] == 0x1b) {
		if (n == 1) {
			*key = TK_ESC;
			return 1;
		}
		if (u[1] == '[' || u[1] == 'O')
			return decode_seq(s, n, key);
		if (u[1] == 0x1b && n > 2 && (u[2] == '[' || u[2] == 'O')) {
			/* Esc before a sequence: Alt with that key (rxvt, screen) */
			len = decode_seq(s + 1, n - 1, key);
			if (len == 0)
				return 0;
			if (*key != 0)
				*key |= TK_ALT;
			return len + 1;
		}
		len = key_decode(s + 1, n - 1, key);
		if (len == 0)
			return 0;
		if (*key != 0)
			*key |= TK_ALT;
		return len + 1;
	}
	if (u[0] == 0) {
		*key = TK_CTRL_SPACE;
		return 1;
	}
	if (u[0] < 0x80) {
		*key = u[0] == '\n' ? TK_ENTER : u[0];
		return 1;
	}
	len = tn_utf8_len(u, n);
	if (len == 0) {
		/* A valid start whose continuation has not arrived yet waits. */
		size_t need = (u[0] & 0xe0) == 0xc0 ? 2 : (u[0] & 0xf0) == 0xe0 ? 3
			      : (u[0] & 0xf8) == 0xf0 ? 4 : 0;
		bool prefix = need > n;

		for (size_t i = 1; prefix && i < n; i++)
			prefix = (u[i] & 0xc0) == 0x80;
		if (prefix)
			return 0;
		*key = 0xfffd;
		return 1;
	}
	tui_utf8_decode(s, len, &cp);
	*key = (int)cp;
	return len;
}
