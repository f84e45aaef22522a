/* tl-workload — runs one workload case, standalone (no Google Benchmark, so
 * it also builds under ThreadSanitizer). Contract with the race harness:
 *
 *   tl-workload --cases
 *       one line per case: "<workload>/<variant> <clean|race|deadlock|skip> [reason]"
 *   tl-workload <workload>/<variant> [--quick] [--threads N] [--work-us W]
 *               [--start seed|barrier] [--pin POLICY] [--<param> V ...]
 *       runs the case once and prints key=value lines: case, expect, params,
 *       pin, then every counter; exit 0, or 1 if the run failed (error=...).
 *   tl-workload --list        workloads, their variants and parameters
 *   tl-workload --version     the project version
 *   --trace FILE.json [--trace-max-events N]: record the run's timeline
 *       (threadlab/trace.h) and write it there, atomically, after the run
 *       (prints trace=FILE); an unwritable FILE is exit 2
 *       before the run, a failed write exit 1.
 *   Bad usage (unknown case, parameter or value, anything after --cases /
 *   --list / --version, --benchmark_format other than console): a one-line
 *   message, exit 2.
 */
#include "workload.h"

#include "pin.h"

#include "threadlab/common.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: tl-workload --cases | --list | <workload>/<variant> [--quick] [--threads N] [--work-us W]\n"
		   "                   [--start seed|barrier] [--pin none|compact|scatter|CPU-LIST] [--<param> V ...]\n"
		   "                   [--trace FILE.json [--trace-max-events N]]\n");
}

static void print_cases(void)
{
	for (int i = 0; i < tlw_count(); i++) {
		const struct tlw_workload *w = tlw_get(i);
		for (int v = 0; v < w->nvariants; v++) {
			const struct tlw_variant *var = &w->variants[v];
			printf("%s/%s %s", w->name, var->name, tlw_expect_name(var->expect));
			if (var->expect == TLW_SKIP)
				printf(" %s", var->reason);
			putchar('\n');
		}
	}
}

static void print_list(void)
{
	for (int i = 0; i < tlw_count(); i++) {
		const struct tlw_workload *w = tlw_get(i);
		printf("%s — %s\n", w->name, w->lesson ? w->lesson : "");
		for (int v = 0; v < w->nvariants; v++) {
			const struct tlw_variant *var = &w->variants[v];
			printf("  %-14s %-8s %s\n", var->name, tlw_expect_name(var->expect), var->reason ? var->reason : "");
		}
		for (int p = 0; p < w->nparams; p++) {
			const struct tlw_param *pr = &w->params[p];
			if (pr->choices)
				printf("  --%-12s default %s, quick %s (%s)\n", pr->name, pr->choices[pr->def],
				       pr->choices[pr->quick], pr->help ? pr->help : "");
			else
				printf("  --%-12s default %lld, quick %lld, range [%lld, %lld] (%s)\n", pr->name,
				       (long long)pr->def, (long long)pr->quick, (long long)pr->min, (long long)pr->max,
				       pr->help ? pr->help : "");
		}
	}
}

static void print_value(const char *name, double v)
{
	if (isnan(v))
		printf("%s=nan\n", name);
	else if (v == (double)(long long)v && fabs(v) < 1e15)
		printf("%s=%lld\n", name, (long long)v);
	else
		printf("%s=%.9g\n", name, v);
}

/* --cases, --list, --help, --version take nothing after them. */
static int lone(int argc, char **argv)
{
	if (argc > 2) {
		fprintf(stderr, "tl-workload: %s takes no arguments, got '%s'\n", argv[1], argv[2]);
		return 2;
	}
	return 0;
}

#ifndef TL_VERSION
#define TL_VERSION "unknown"
#endif

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "tl-workload: no case given (see tl-workload --cases, --help)\n");
		return 2;
	}
	if (!strcmp(argv[1], "--child"))
		return tlw_child_main(argc, argv);
	/* The output is key=value lines: --benchmark_format (tl-bench's
	 * pass-through flag) is accepted as console and refused otherwise,
	 * like tl-bench does. */
	int kept = 1;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--benchmark_format", 18) != 0 || (argv[i][18] && argv[i][18] != '=')) {
			argv[kept++] = argv[i];
			continue;
		}
		const char *v = argv[i][18] == '=' ? argv[i] + 19 : i + 1 < argc ? argv[++i] : "";
		if (strcmp(v, "console") != 0) {
			fprintf(stderr, "tl-workload: --benchmark_format '%s' is not supported (console only: key=value lines)\n", v);
			return 2;
		}
	}
	argc = kept;
	argv[argc] = NULL;
	if (argc < 2) {
		fprintf(stderr, "tl-workload: no case given (see tl-workload --cases, --help)\n");
		return 2;
	}
	if (!strcmp(argv[1], "--cases")) {
		if (lone(argc, argv))
			return 2;
		print_cases();
		return 0;
	}
	if (!strcmp(argv[1], "--list")) {
		if (lone(argc, argv))
			return 2;
		print_list();
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		if (lone(argc, argv))
			return 2;
		printf("tl-workload %s\n", TL_VERSION);
		return 0;
	}

	const struct tlw_workload *w;
	int variant;
	if (tlw_find_case(argv[1], &w, &variant) != 0) {
		fprintf(stderr, "tl-workload: unknown case '%s' (see tl-workload --cases)\n", argv[1]);
		return 2;
	}
	bool quick = false;
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--quick"))
			quick = true;

	static struct tlw_ctx ctx; /* static: every exit path leaves it to the OS */
	const char *trace_path = NULL;
	long long trace_max = 0;
	struct tlw_ctx *c = &ctx;
	tlw_ctx_init(c, w, variant, quick);
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--quick"))
			continue;
		if (strncmp(a, "--", 2) != 0 || !a[2]) {
			fprintf(stderr, "tl-workload: unexpected argument '%s' (options start with --; see --help)\n", a);
			return 2;
		}
		/* --name V or --name=V */
		char name[64];
		const char *val;
		const char *eq = strchr(a + 2, '=');
		if (eq) {
			snprintf(name, sizeof name, "%.*s", (int)(eq - (a + 2)), a + 2);
			val = eq + 1;
		} else {
			snprintf(name, sizeof name, "%s", a + 2);
			if (i + 1 >= argc) {
				fprintf(stderr, "tl-workload: --%s needs a value\n", name);
				return 2;
			}
			val = argv[++i];
		}
		if (!strcmp(name, "trace")) {
			char why[512];
			if (tlw_trace_check_path(val, why, sizeof why) != 0) {
				fprintf(stderr, "tl-workload: --trace: %s\n", why);
				return 2;
			}
			trace_path = val;
			continue;
		}
		if (!strcmp(name, "trace-max-events") || !strcmp(name, "trace_max_events")) {
			char *end;
			errno = 0;
			trace_max = strtoll(val, &end, 10);
			if (errno || end == val || *end || trace_max < 1024 || trace_max > (1ll << 32)) {
				fprintf(stderr, "tl-workload: --trace-max-events must be an integer from 1024 to 2^32, not '%s'\n", val);
				return 2;
			}
			continue;
		}
		if (!strcmp(name, "pin")) {
			if (strlen(val) >= sizeof c->pin) {
				fprintf(stderr, "tl-workload: --pin: policy too long\n");
				return 2;
			}
			snprintf(c->pin, sizeof c->pin, "%s", val);
			continue;
		}
		if (tlw_ctx_set(c, name, val) != 0) {
			fprintf(stderr, "tl-workload: %s\n", c->error);
			return 2;
		}
	}

	/* The policy is process-wide (pin.c); set it even for "none", whose
	 * threads are then bound to the whole allowed set. */
	char err[256];
	int r0;
	if (tlb_pin_set_policy(c->pin, err, sizeof err) != 0) {
		fprintf(stderr, "tl-workload: --pin: %s\n", err);
		return 2;
	}

	if (trace_max && !trace_path) {
		fprintf(stderr, "tl-workload: --trace-max-events needs --trace FILE\n");
		return 2;
	}
	if (trace_path && (r0 = tlw_trace_begin(trace_path, (size_t)trace_max)) != 0) {
		fprintf(stderr, "tl-workload: --trace: %s\n",
			r0 == TL_EPERM ? "this threadlab was built with -DTL_TRACE=OFF" : tl_strerror(r0));
		return 2;
	}
	if (w->check && w->check(c) != 0) {
		fprintf(stderr, "tl-workload: %s/%s: %s\n", w->name, c->v->name, c->error);
		return 2;
	}
	int r = tlw_run(c);
	char trace_err[600] = "";
	if (trace_path && tlw_trace_finish(c, trace_path, trace_err, sizeof trace_err) != 0 && r == 0)
		r = 1;
	printf("case=%s/%s\n", w->name, c->v->name);
	printf("expect=%s\n", tlw_expect_name(c->v->expect));
	printf("params=");
	for (int p = 0; p < w->nparams; p++) {
		const struct tlw_param *pr = &w->params[p];
		if (pr->choices)
			printf("%s%s=%s", p ? ";" : "", pr->name, pr->choices[c->p[p]]);
		else
			printf("%s%s=%lld", p ? ";" : "", pr->name, (long long)c->p[p]);
	}
	printf("\npin=%s\n", c->pin);
	char cpus[512];
	if (tlw_cpus_seen(cpus, sizeof cpus) > 0)
		printf("cpus=%s\n", cpus);
	for (int k = 0; k < c->ncounters; k++)
		print_value(c->counters[k].name, c->counters[k].value);
	if (c->note[0])
		printf("note=%s\n", c->note);
	if (trace_path && !trace_err[0])
		printf("trace=%s\n", trace_path);
	if (trace_err[0]) {
		printf("error=%s\n", trace_err);
		fflush(stdout);
		fprintf(stderr, "tl-workload: %s/%s: %s\n", w->name, c->v->name, trace_err);
		return 1;
	}
	if (r != 0) {
		printf("error=%s\n", c->error);
		fflush(stdout);
		fprintf(stderr, "tl-workload: %s/%s failed: %s\n", w->name, c->v->name, c->error);
		return 1;
	}
	return 0;
}
