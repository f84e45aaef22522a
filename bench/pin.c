/* pin.c — hwloc topology, pin policies and thread binding (see pin.h).
 *
 * Everything is computed once in tlb_pin_init(): the allowed PUs in compact
 * (logical) order and in scatter order. After that the tables are read-only;
 * the `loaded` flag is published with release and read with acquire, so a
 * thread that sees it loaded also sees the tables. The policies are set by
 * the runner before any benchmark thread exists (pthread_create orders it). */
#include "pin.h"

#include "threadlab/common.h"

#include <ctype.h>
#include <errno.h>
#include <hwloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLB_PIN_MAX_CPUS 4096

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int loaded; /* 0 no, 1 yes: tables below are valid */
static hwloc_topology_t topo;
static hwloc_bitmap_t allowed_set;
static bool synthetic;
static int *compact_order; /* allowed PUs, OS numbers, logical order */
static int *scatter_order;
static int n_allowed;
static int n_packages, n_numa, n_cores, n_pus;
static char cpu_model[256];

/* The policies of --pin, in the order given ("compact+scatter": two). They
 * are set once, before any benchmark thread exists; `active` selects the one
 * the queries below answer for. The shim stores the benchmark's policy into
 * it from every thread of an instance before its function runs (all store
 * the same value; instances run one after another, and a thread a benchmark
 * starts itself inherits it through pthread_create or fork), so relaxed. */
struct policy {
	enum tlb_pin_kind kind;
	int *cpus; /* TLB_PIN_LIST: OS CPU numbers */
	int n;     /* TLB_PIN_LIST: their count */
	char name[512];
};
static struct policy policies[TLB_PIN_MAX_POLICIES] = { { TLB_PIN_COMPACT, NULL, 0, "compact" } };
static int n_policies = 1;
static atomic_int active;

static void set_err(char *err, size_t len, const char *fmt, ...)
{
	if (!err || !len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

int tlb_pin_parse_list(const char *s, int *out, int max)
{
	int n = 0;
	const char *p = s;
	if (!s || !*s)
		return TL_EINVAL;
	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p))
			return TL_EINVAL;
		long lo = strtol(p, &end, 10), hi = lo;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				return TL_EINVAL;
			hi = strtol(p, &end, 10);
			p = end;
		}
		if (lo < 0 || hi < lo || hi >= TLB_PIN_MAX_CPUS)
			return TL_EINVAL;
		for (long c = lo; c <= hi; c++) {
			for (int k = 0; k < n; k++)
				if (out[k] == c)
					return TL_EINVAL; /* duplicate */
			if (n >= max)
				return TL_EINVAL;
			out[n++] = (int)c;
		}
		if (*p == ',') {
			p++;
			if (!*p)
				return TL_EINVAL;
		} else if (*p) {
			return TL_EINVAL;
		}
	}
	return n;
}

/* Index of `pu` among the allowed PUs of its core (0 = first SMT thread). */
static int pu_rank(hwloc_obj_t pu)
{
	hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, pu);
	if (!core)
		return 0;
	int r = 0;
	hwloc_obj_t o = NULL;
	while ((o = hwloc_get_next_obj_inside_cpuset_by_type(topo, core->cpuset, HWLOC_OBJ_PU, o))) {
		if (o == pu)
			return r;
		if (hwloc_bitmap_isset(allowed_set, o->os_index))
			r++;
	}
	return r;
}

/* Allowed PUs of rank `rank` under `o`, children taken round-robin at every
 * level so consecutive entries land in different packages / NUMA groups /
 * caches / cores whenever the tree allows. Returns the count written. */
static int scatter_collect(hwloc_obj_t o, int rank, int *out)
{
	if (o->type == HWLOC_OBJ_PU) {
		if (!hwloc_bitmap_isset(allowed_set, o->os_index) || pu_rank(o) != rank)
			return 0;
		out[0] = (int)o->os_index;
		return 1;
	}
	if (o->arity == 0)
		return 0;
	if (o->arity == 1)
		return scatter_collect(o->children[0], rank, out);
	int **lists = calloc(o->arity, sizeof *lists);
	int *lens = calloc(o->arity, sizeof *lens);
	int n = 0, longest = 0;
	if (!lists || !lens)
		goto out;
	for (unsigned c = 0; c < o->arity; c++) {
		hwloc_obj_t ch = o->children[c];
		int w = ch->cpuset ? hwloc_bitmap_weight(ch->cpuset) : 0;
		if (w <= 0)
			continue;
		lists[c] = malloc((size_t)w * sizeof(int));
		if (!lists[c])
			continue;
		lens[c] = scatter_collect(ch, rank, lists[c]);
		if (lens[c] > longest)
			longest = lens[c];
	}
	for (int k = 0; k < longest; k++)
		for (unsigned c = 0; c < o->arity; c++)
			if (k < lens[c])
				out[n++] = lists[c][k];
out:
	if (lists)
		for (unsigned c = 0; c < o->arity; c++)
			free(lists[c]);
	free(lists);
	free(lens);
	return n;
}

static void read_cpu_model(const char *synth_desc)
{
	if (synth_desc) {
		snprintf(cpu_model, sizeof cpu_model, "synthetic: %s", synth_desc);
		return;
	}
	hwloc_obj_t pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
	const char *m = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
	if (m && *m) {
		snprintf(cpu_model, sizeof cpu_model, "%s", m);
		return;
	}
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	snprintf(cpu_model, sizeof cpu_model, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "model name", 10) == 0) {
			char *c = strchr(line, ':');
			if (c) {
				c++;
				while (*c == ' ' || *c == '\t')
					c++;
				c[strcspn(c, "\n")] = 0;
				snprintf(cpu_model, sizeof cpu_model, "%s", c);
			}
			break;
		}
	}
	fclose(f);
}

static int load_locked(const char *synth, const char *allowed, char *err, size_t errlen)
{
	int rc = TL_EINVAL;
	if (!synth || !*synth) {
		synth = getenv("TL_HWLOC_SYNTHETIC");
		if (synth && !*synth)
			synth = NULL;
	}
	if (!allowed && synth)
		allowed = getenv("TL_HWLOC_ALLOWED");
	if (hwloc_topology_init(&topo) != 0) {
		set_err(err, errlen, "hwloc_topology_init failed: %s", strerror(errno));
		return TL_ENOMEM;
	}
	if (synth && hwloc_topology_set_synthetic(topo, synth) != 0) {
		set_err(err, errlen, "invalid synthetic topology '%s'", synth);
		goto fail;
	}
	if (hwloc_topology_load(topo) != 0) {
		set_err(err, errlen, "hwloc_topology_load failed: %s", strerror(errno));
		goto fail;
	}
	synthetic = synth != NULL;
	allowed_set = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(topo));
	hwloc_bitmap_and(allowed_set, allowed_set, hwloc_topology_get_topology_cpuset(topo));
	if (!synthetic) {
		/* taskset / sched_setaffinity of the process at load time */
		hwloc_bitmap_t bound = hwloc_bitmap_alloc();
		if (hwloc_get_cpubind(topo, bound, HWLOC_CPUBIND_PROCESS) == 0 && !hwloc_bitmap_iszero(bound))
			hwloc_bitmap_and(allowed_set, allowed_set, bound);
		hwloc_bitmap_free(bound);
	}
	if (allowed && *allowed) {
		int *cpus = malloc(TLB_PIN_MAX_CPUS * sizeof(int));
		int n = cpus ? tlb_pin_parse_list(allowed, cpus, TLB_PIN_MAX_CPUS) : TL_ENOMEM;
		if (n < 0) {
			free(cpus);
			set_err(err, errlen, "invalid allowed CPU list '%s'", allowed);
			goto fail;
		}
		hwloc_bitmap_t want = hwloc_bitmap_alloc();
		for (int i = 0; i < n; i++)
			hwloc_bitmap_set(want, (unsigned)cpus[i]);
		hwloc_bitmap_and(allowed_set, allowed_set, want);
		hwloc_bitmap_free(want);
		free(cpus);
	}
	n_allowed = hwloc_bitmap_weight(allowed_set);
	if (n_allowed <= 0) {
		set_err(err, errlen, "no allowed CPU in the topology");
		goto fail;
	}
	compact_order = calloc((size_t)n_allowed, sizeof(int));
	scatter_order = calloc((size_t)n_allowed, sizeof(int));
	if (!compact_order || !scatter_order) {
		rc = TL_ENOMEM;
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	int n = 0, max_rank = 0;
	hwloc_obj_t pu = NULL;
	while ((pu = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PU, pu))) {
		if (!hwloc_bitmap_isset(allowed_set, pu->os_index) || n >= n_allowed)
			continue;
		compact_order[n++] = (int)pu->os_index;
		int r = pu_rank(pu);
		if (r > max_rank)
			max_rank = r;
	}
	n_allowed = n;
	int s = 0;
	for (int r = 0; r <= max_rank && s < n_allowed; r++)
		s += scatter_collect(hwloc_get_root_obj(topo), r, scatter_order + s);
	if (s != n_allowed) { /* cannot happen on a sane tree; keep placement total */
		memcpy(scatter_order, compact_order, (size_t)n_allowed * sizeof(int));
	}
	n_packages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
	n_numa = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
	n_cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	n_pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	if (n_packages < 1)
		n_packages = 1;
	if (n_numa < 1)
		n_numa = 1;
	if (n_cores < 1)
		n_cores = n_pus;
	read_cpu_model(synthetic ? synth : NULL);
	atomic_store_explicit(&loaded, 1, memory_order_release);
	return 0;
fail:
	free(compact_order);
	free(scatter_order);
	compact_order = scatter_order = NULL;
	if (allowed_set)
		hwloc_bitmap_free(allowed_set);
	allowed_set = NULL;
	hwloc_topology_destroy(topo);
	return rc;
}

int tlb_pin_init(const char *synth, const char *allowed, char *err, size_t errlen)
{
	int rc;
	pthread_mutex_lock(&init_lock);
	if (atomic_load_explicit(&loaded, memory_order_acquire))
		rc = TL_EBUSY;
	else
		rc = load_locked(synth, allowed, err, errlen);
	pthread_mutex_unlock(&init_lock);
	return rc;
}

/* Lazy load for library users that never called tlb_pin_init. */
static bool ensure(void)
{
	if (atomic_load_explicit(&loaded, memory_order_acquire))
		return true;
	char err[256];
	int rc = tlb_pin_init(NULL, NULL, err, sizeof err);
	if (rc != 0 && rc != TL_EBUSY) {
		fprintf(stderr, "tl-bench: pinning unavailable: %s\n", err);
		return false;
	}
	return true;
}

bool tlb_pin_cpu_allowed(int cpu)
{
	return ensure() && cpu >= 0 && hwloc_bitmap_isset(allowed_set, (unsigned)cpu);
}

/* One policy: none | compact | scatter | CPU list. */
static int parse_policy(const char *spec, struct policy *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (!spec || !*spec) {
		set_err(err, errlen, "empty pin policy (use none, compact, scatter or a CPU list)");
		return TL_EINVAL;
	}
	if (!strcmp(spec, "none") || !strcmp(spec, "compact") || !strcmp(spec, "scatter")) {
		out->kind = spec[0] == 'n' ? TLB_PIN_NONE : spec[0] == 'c' ? TLB_PIN_COMPACT : TLB_PIN_SCATTER;
		snprintf(out->name, sizeof out->name, "%s", spec);
		return 0;
	}
	if (!isdigit((unsigned char)spec[0])) {
		set_err(err, errlen, "unknown pin policy '%s' (use none, compact, scatter or a CPU list like 0,2-3)", spec);
		return TL_EINVAL;
	}
	int *cpus = malloc(TLB_PIN_MAX_CPUS * sizeof(int));
	if (!cpus) {
		set_err(err, errlen, "out of memory");
		return TL_ENOMEM;
	}
	int n = tlb_pin_parse_list(spec, cpus, TLB_PIN_MAX_CPUS);
	if (n < 0) {
		free(cpus);
		set_err(err, errlen, "invalid CPU list '%s' (expected e.g. 0,2,4-7 without duplicates)", spec);
		return TL_EINVAL;
	}
	for (int i = 0; i < n; i++) {
		if (!hwloc_bitmap_isset(allowed_set, (unsigned)cpus[i])) {
			char al[256];
			tlb_pin_allowed_list(al, sizeof al);
			set_err(err, errlen, "CPU %d in --pin list is not in the allowed set %s", cpus[i], al);
			free(cpus);
			return TL_EINVAL;
		}
	}
	out->kind = TLB_PIN_LIST;
	out->cpus = cpus;
	out->n = n;
	snprintf(out->name, sizeof out->name, "list:%s", spec);
	return 0;
}

/* Replaces the policy set with parsed[0..n-1] and selects the first. */
static void commit(struct policy *parsed, int n)
{
	for (int i = 0; i < n_policies; i++)
		free(policies[i].cpus);
	memcpy(policies, parsed, (size_t)n * sizeof *parsed);
	n_policies = n;
	atomic_store_explicit(&active, 0, memory_order_relaxed);
}

int tlb_pin_set_policy(const char *spec, char *err, size_t errlen)
{
	struct policy p;
	if (!ensure()) {
		set_err(err, errlen, "hwloc topology could not be loaded");
		return TL_EINVAL;
	}
	int rc = parse_policy(spec, &p, err, errlen);
	if (rc == 0)
		commit(&p, 1);
	return rc;
}

int tlb_pin_set_policies(const char *spec, char *err, size_t errlen)
{
	struct policy parsed[TLB_PIN_MAX_POLICIES];
	int n = 0, rc = 0;
	if (!ensure()) {
		set_err(err, errlen, "hwloc topology could not be loaded");
		return TL_EINVAL;
	}
	if (!spec || !*spec) {
		set_err(err, errlen, "empty pin policy (use none, compact, scatter, a CPU list, or e.g. compact+scatter)");
		return TL_EINVAL;
	}
	const char *p = spec;
	for (;;) {
		const char *plus = strchr(p, '+');
		size_t len = plus ? (size_t)(plus - p) : strlen(p);
		char one[512];
		if (len == 0) {
			set_err(err, errlen, "empty policy in --pin '%s' (join policies with one '+', e.g. compact+scatter)", spec);
			rc = TL_EINVAL;
			break;
		}
		if (n == TLB_PIN_MAX_POLICIES) {
			set_err(err, errlen, "too many policies in --pin '%s' (at most %d)", spec, TLB_PIN_MAX_POLICIES);
			rc = TL_EINVAL;
			break;
		}
		if (len >= sizeof one) {
			set_err(err, errlen, "pin policy too long in --pin '%.40s...'", spec);
			rc = TL_EINVAL;
			break;
		}
		memcpy(one, p, len);
		one[len] = 0;
		if ((rc = parse_policy(one, &parsed[n], err, errlen)) != 0) {
			if (strchr(one, ',') && !isdigit((unsigned char)one[0]))
				set_err(err, errlen, "unknown pin policy '%s': join policies with '+' (e.g. compact+scatter); ',' separates the CPUs of a list like 0,2-3", one);
			break;
		}
		n++;
		for (int i = 0; i < n - 1; i++)
			if (!strcmp(parsed[i].name, parsed[n - 1].name)) {
				set_err(err, errlen, "pin policy '%s' given twice in --pin '%s'", one, spec);
				rc = TL_EINVAL;
			}
		if (rc != 0 || !plus)
			break;
		p = plus + 1;
	}
	if (rc != 0) {
		for (int i = 0; i < n; i++)
			free(parsed[i].cpus);
		return rc;
	}
	commit(parsed, n);
	return 0;
}

int tlb_pin_policy_count(void)
{
	return n_policies;
}

int tlb_pin_use(int policy)
{
	if (policy < 0 || policy >= n_policies)
		return TL_EINVAL;
	atomic_store_explicit(&active, policy, memory_order_relaxed);
	return 0;
}

int tlb_pin_current(void)
{
	return atomic_load_explicit(&active, memory_order_relaxed);
}

static const struct policy *pol(int policy)
{
	if (policy < 0 || policy >= n_policies)
		policy = 0;
	return &policies[policy];
}

enum tlb_pin_kind tlb_pin_kind_at(int policy)
{
	return pol(policy)->kind;
}

const char *tlb_pin_policy_name_at(int policy)
{
	return pol(policy)->name;
}

int tlb_pin_allowed_count_at(int policy)
{
	if (!ensure())
		return 1;
	const struct policy *p = pol(policy);
	return p->kind == TLB_PIN_LIST ? p->n : n_allowed;
}

int tlb_pin_cpu_for_at(int policy, int index)
{
	if (!ensure() || index < 0)
		return -1;
	const struct policy *p = pol(policy);
	switch (p->kind) {
	case TLB_PIN_NONE:
		return -1;
	case TLB_PIN_COMPACT:
		return compact_order[index % n_allowed];
	case TLB_PIN_SCATTER:
		return scatter_order[index % n_allowed];
	case TLB_PIN_LIST:
		return p->cpus[index % p->n];
	}
	return -1;
}

enum tlb_pin_kind tlb_pin_kind(void)
{
	return tlb_pin_kind_at(tlb_pin_current());
}

const char *tlb_pin_policy_name(void)
{
	return tlb_pin_policy_name_at(tlb_pin_current());
}

int tlb_pin_allowed_pus(void)
{
	return ensure() ? n_allowed : 1;
}

int tlb_pin_allowed_count(void)
{
	return tlb_pin_allowed_count_at(tlb_pin_current());
}

int tlb_pin_cpu_for(int index)
{
	return tlb_pin_cpu_for_at(tlb_pin_current(), index);
}

int tlb_pin_unbind_self(void)
{
	if (!ensure())
		return TL_EINVAL;
	if (synthetic)
		return TL_EPERM;
	if (hwloc_set_cpubind(topo, allowed_set, HWLOC_CPUBIND_THREAD) != 0)
		return errno ? -errno : TL_EINVAL;
	return 0;
}

int tlb_pin_self(int index)
{
	if (!ensure())
		return TL_EINVAL;
	if (synthetic)
		return TL_EPERM;
	int cpu = tlb_pin_cpu_for(index);
	if (cpu < 0) {
		int rc = tlb_pin_unbind_self();
		if (rc < 0)
			return rc;
		cpu = sched_getcpu();
		return cpu < 0 ? -errno : cpu;
	}
	hwloc_bitmap_t one = hwloc_bitmap_alloc();
	if (!one)
		return TL_ENOMEM;
	hwloc_bitmap_only(one, (unsigned)cpu);
	int rc = hwloc_set_cpubind(topo, one, HWLOC_CPUBIND_THREAD);
	int e = errno;
	hwloc_bitmap_free(one);
	if (rc != 0)
		return e ? -e : TL_EINVAL;
	/* sched_setaffinity migrates the caller before returning, so this is
	 * where the thread really runs now; the caller compares it with
	 * tlb_pin_cpu_for(). */
	int now = sched_getcpu();
	return now < 0 ? -errno : now;
}

bool tlb_pin_is_synthetic(void)
{
	return ensure() && synthetic;
}

void tlb_pin_topology(int *packages, int *numa, int *cores, int *pus)
{
	bool ok = ensure();
	if (packages)
		*packages = ok ? n_packages : 0;
	if (numa)
		*numa = ok ? n_numa : 0;
	if (cores)
		*cores = ok ? n_cores : 0;
	if (pus)
		*pus = ok ? n_pus : 0;
}

int tlb_pin_allowed_list(char *buf, size_t len)
{
	if (!ensure() || !buf || !len)
		return TL_EINVAL;
	int rc = hwloc_bitmap_list_snprintf(buf, len, allowed_set);
	return rc < 0 ? TL_EINVAL : 0;
}

const char *tlb_pin_cpu_model(void)
{
	return ensure() ? cpu_model : "unknown";
}
