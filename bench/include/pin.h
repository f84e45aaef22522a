/* pin.h — where benchmark threads run: hwloc topology, pin policies, binding.
 *
 * The topology is loaded once per process (tlb_pin_init, or lazily by the
 * first query). The placement domain is the process's allowed cpuset: the
 * topology's allowed set (cgroups) intersected with the process binding at
 * load time (taskset). Nothing is ever bound outside it.
 *
 * A policy maps a thread index to one OS CPU number:
 *   none     no binding (threads may run on any allowed CPU)
 *   compact  allowed PUs in hwloc logical order: SMT siblings of a core first,
 *            then the next core, package by package
 *   scatter  one PU per core, spreading round-robin over the tree (packages,
 *            then NUMA groups/caches, then cores) before the second PU of
 *            any core is used
 *   LIST     explicit OS CPU numbers "0,2,4-7", all inside the allowed set
 * Index i >= slots wraps to i % slots (the run is oversubscribed).
 *
 * Several policies: tl-bench --pin compact+scatter holds both (at most
 * TLB_PIN_MAX_POLICIES, joined by '+', which no policy or CPU list
 * contains). One of them is active at a time: the shim selects the
 * benchmark's policy (tlb_pin_use) in each of its threads, and the driver of
 * task benchmarks before it starts its tasks, before the benchmark's code
 * runs. The queries without _at answer for the active policy, so code that
 * starts its own threads or processes (workloads, the task driver) follows
 * the benchmark's policy without being told. Policy 0 is the first given.
 *
 * Synthetic topologies (tests, planning for big machines) come from
 * TL_HWLOC_SYNTHETIC or tlb_pin_init(desc): placement is computed, binding
 * is impossible (tlb_pin_self returns TL_EPERM).
 *
 * All functions return 0 / a count / a CPU number, or a negative TL_* code.
 */
#ifndef TLB_PIN_H
#define TLB_PIN_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tlb_pin_kind { TLB_PIN_NONE, TLB_PIN_COMPACT, TLB_PIN_SCATTER, TLB_PIN_LIST };

/* Load the topology. synthetic: hwloc synthetic description or NULL (then
 * env TL_HWLOC_SYNTHETIC, else this machine). allowed: an OS CPU list that
 * further restricts the allowed set ("0-3,8"), or NULL (env TL_HWLOC_ALLOWED
 * is honoured for synthetic topologies only). A second call after a
 * successful one returns TL_EBUSY. err gets a one-line message on failure. */
int tlb_pin_init(const char *synthetic, const char *allowed, char *err, size_t errlen);

#define TLB_PIN_MAX_POLICIES 4

/* Set one policy: "none", "compact", "scatter" or a CPU list. */
int tlb_pin_set_policy(const char *spec, char *err, size_t errlen);
/* Set one or more policies joined by '+': "compact+scatter", "0+1",
 * "scatter". Empty parts, duplicates and more than TLB_PIN_MAX_POLICIES
 * are TL_EINVAL with a one-line message. Policy 0 becomes active. */
int tlb_pin_set_policies(const char *spec, char *err, size_t errlen);
int tlb_pin_policy_count(void);
/* Make policy p (0-based, in --pin order) the active one; TL_EINVAL if out
 * of range. tlb_pin_current returns the active one. */
int tlb_pin_use(int policy);
int tlb_pin_current(void);

/* Of the active policy: */
enum tlb_pin_kind tlb_pin_kind(void);
const char *tlb_pin_policy_name(void); /* "compact", "scatter", "none", "list:0,2" */
/* Placement slots: allowed PUs (or the explicit list's length). */
int tlb_pin_allowed_count(void);
/* OS CPU for thread index (wraps around), -1 for policy none. */
int tlb_pin_cpu_for(int index);

/* The same of policy p (out of range: policy 0). */
enum tlb_pin_kind tlb_pin_kind_at(int policy);
const char *tlb_pin_policy_name_at(int policy);
int tlb_pin_allowed_count_at(int policy);
int tlb_pin_cpu_for_at(int policy, int index);
/* Bind the calling thread for index under the active policy; returns the CPU it runs on afterwards
 * (sched_getcpu, verified), or a negative code. Policy none: binds to the
 * whole allowed set (undoes an inherited pin) and returns the current CPU. */
int tlb_pin_self(int index);
/* Bind the calling thread to the whole allowed set. */
int tlb_pin_unbind_self(void);

bool tlb_pin_is_synthetic(void);
/* Whole-machine counts (not restricted to the allowed set). */
void tlb_pin_topology(int *packages, int *numa, int *cores, int *pus);
/* Allowed PUs: count, and as a sorted OS CPU list "0-1,4". */
int tlb_pin_allowed_pus(void);
int tlb_pin_allowed_list(char *buf, size_t len);
bool tlb_pin_cpu_allowed(int cpu);
/* CPU model string (hwloc CPUModel info, else /proc/cpuinfo), never NULL. */
const char *tlb_pin_cpu_model(void);

/* Parse a CPU list "0,2,4-7" into out[] (sorted order as written, no
 * duplicates); returns the count or TL_EINVAL. */
int tlb_pin_parse_list(const char *s, int *out, int max);

#ifdef __cplusplus
}
#endif
#endif
