/* libFuzzer target: pkg/config on arbitrary YAML. Every input must give a
 * config or a NULL with messages, never a crash, a leak or undefined
 * behaviour (built with ASan+UBSan by scripts/run-fuzz.sh). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct config *cfg;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	cfg = config_parse("fuzz.yaml", text, devnull);
	config_free(cfg);
	free(text);
	return 0;
}
