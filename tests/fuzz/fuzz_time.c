/* fuzz_time.c - libFuzzer target for the ISO-8601 timestamp and date parsers
 * (they take user input: TIMESTAMP AS OF, --timestamp). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char out[TN_TIME_BUFSZ];
	int64_t v;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (tn_time_parse(s, &v, NULL) == TN_OK) {
		int64_t back;

		/* Whatever parses formats and parses back to the same instant. */
		if (tn_time_parse(tn_time_format(v, true, out), &back, NULL) != TN_OK || back != v)
			abort();
	}
	tn_date_parse(s, &v, NULL);
	free(s);
	return 0;
}
