/* Runs one header's usage example (extract_examples.py turns each header's
 * example into a function): `api_examples NAME` returns what the example's
 * main returned; `api_examples` lists the names. */
#include <stdio.h>
#include <string.h>

#define TL_EXAMPLE(name) int tl_example_##name(void);
#include "examples.h"
#undef TL_EXAMPLE

static const struct {
	const char *name;
	int (*run)(void);
} examples[] = {
#define TL_EXAMPLE(name) { #name, tl_example_##name },
#include "examples.h"
#undef TL_EXAMPLE
};

int main(int argc, char **argv)
{
	size_t n = sizeof examples / sizeof examples[0];
	if (argc != 2) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", examples[i].name);
		return argc == 1 ? 0 : 2;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[1], examples[i].name) == 0) {
			int r = examples[i].run();
			if (r != 0)
				fprintf(stderr, "api_examples: the example of threadlab/%s.h returned %d\n", argv[1], r);
			return r == 0 ? 0 : 1;
		}
	fprintf(stderr, "api_examples: no example named '%s'\n", argv[1]);
	return 2;
}
