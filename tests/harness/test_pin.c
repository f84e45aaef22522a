/* Pin policies (bench/pin.c) on synthetic hwloc topologies, where the
 * placement is computed for machines we do not have, plus one real binding
 * on this machine. Each test runs in its own process (fresh topology). */
#include "task.h"

#include "pin.h"
#include "threadlab/common.h"

#include <sched.h>
#include <stdbool.h>

/* "package:2 numa:2 core:8 pu:2": 64 PUs numbered in order: PU p is on
 * core p/2, NUMA group p/16, package p/32. */
#define BIG "package:2 numa:2 core:8 pu:2"

static int core_of(int pu)
{
	return pu / 2;
}

static void init(const char *synth, const char *allowed, const char *policy)
{
	char err[256] = "";
	int rc = tlb_pin_init(synth, allowed, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "tlb_pin_init: %s\n", err);
	ASSERT_OK(rc);
	rc = tlb_pin_set_policy(policy, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "tlb_pin_set_policy: %s\n", err);
	ASSERT_OK(rc);
}

TEST_IMPL(synthetic_counts)
{
	init(BIG, NULL, "compact");
	int pk, nu, co, pu;
	tlb_pin_topology(&pk, &nu, &co, &pu);
	ASSERT_EQ(pk, 2);
	ASSERT_EQ(nu, 4);
	ASSERT_EQ(co, 32);
	ASSERT_EQ(pu, 64);
	ASSERT_EQ(tlb_pin_allowed_pus(), 64);
	ASSERT_EQ(tlb_pin_allowed_count(), 64);
	ASSERT_TRUE(tlb_pin_is_synthetic());
	return 0;
}

TEST_IMPL(compact_fills_smt_siblings_first)
{
	init(BIG, NULL, "compact");
	for (int i = 0; i < 64; i++)
		ASSERT_EQ(tlb_pin_cpu_for(i), i);
	/* threads 0 and 1 share a core, 2 starts the next core */
	ASSERT_EQ(core_of(tlb_pin_cpu_for(0)), core_of(tlb_pin_cpu_for(1)));
	ASSERT_NE(core_of(tlb_pin_cpu_for(1)), core_of(tlb_pin_cpu_for(2)));
	/* wraps around past the allowed PUs */
	ASSERT_EQ(tlb_pin_cpu_for(64), 0);
	ASSERT_EQ(tlb_pin_cpu_for(130), 2);
	return 0;
}

TEST_IMPL(scatter_spreads_before_reusing_a_core)
{
	init(BIG, NULL, "scatter");
	bool core_used[32] = { false };
	/* first 32 threads: 32 different cores, first PU of each */
	for (int i = 0; i < 32; i++) {
		int cpu = tlb_pin_cpu_for(i);
		ASSERT_TRUE(cpu >= 0 && cpu < 64);
		ASSERT_FALSE(core_used[core_of(cpu)]);
		core_used[core_of(cpu)] = true;
		ASSERT_EQ(cpu % 2, 0);
	}
	/* threads 0, 1 are on different packages; 0..3 cover all 4 NUMA groups */
	ASSERT_NE(tlb_pin_cpu_for(0) / 32, tlb_pin_cpu_for(1) / 32);
	bool numa[4] = { false };
	for (int i = 0; i < 4; i++)
		numa[tlb_pin_cpu_for(i) / 16] = true;
	ASSERT_TRUE(numa[0] && numa[1] && numa[2] && numa[3]);
	/* the next 32 are the SMT siblings, each PU exactly once overall */
	bool seen[64] = { false };
	for (int i = 0; i < 64; i++) {
		int cpu = tlb_pin_cpu_for(i);
		ASSERT_FALSE(seen[cpu]);
		seen[cpu] = true;
		if (i >= 32)
			ASSERT_EQ(cpu % 2, 1);
	}
	ASSERT_EQ(tlb_pin_cpu_for(64), tlb_pin_cpu_for(0));
	return 0;
}

TEST_IMPL(restricted_allowed_set_is_honoured)
{
	/* package 0: cores 0,1 (PUs 0-3); package 1: cores 20-23 (PUs 40-47) */
	init(BIG, "0-3,40-47", "compact");
	ASSERT_EQ(tlb_pin_allowed_count(), 12);
	static const int compact[] = { 0, 1, 2, 3, 40, 41, 42, 43, 44, 45, 46, 47 };
	for (int i = 0; i < 12; i++)
		ASSERT_EQ(tlb_pin_cpu_for(i), compact[i]);
	ASSERT_FALSE(tlb_pin_cpu_allowed(4));
	ASSERT_TRUE(tlb_pin_cpu_allowed(40));
	char err[256];
	ASSERT_OK(tlb_pin_set_policy("scatter", err, sizeof err));
	bool core_used[32] = { false };
	for (int i = 0; i < 6; i++) { /* 6 allowed cores, all before any sibling */
		int cpu = tlb_pin_cpu_for(i);
		ASSERT_TRUE(tlb_pin_cpu_allowed(cpu));
		ASSERT_FALSE(core_used[core_of(cpu)]);
		core_used[core_of(cpu)] = true;
	}
	ASSERT_NE(tlb_pin_cpu_for(0) / 32, tlb_pin_cpu_for(1) / 32);
	for (int i = 0; i < 100; i++)
		ASSERT_TRUE(tlb_pin_cpu_allowed(tlb_pin_cpu_for(i)));
	/* an explicit list outside the allowed set is refused */
	ASSERT_EQ(tlb_pin_set_policy("4", err, sizeof err), TL_EINVAL);
	ASSERT_TRUE(strstr(err, "not in the allowed set") != NULL);
	return 0;
}

TEST_IMPL(scatter_unbalanced_packages)
{
	/* 8 cores allowed in package 0, 2 in package 1: all 10 cores get a
	 * thread before any SMT sibling, alternating packages while both last */
	init(BIG, "0-15,32-35", "scatter");
	ASSERT_EQ(tlb_pin_allowed_count(), 20);
	bool core_used[32] = { false };
	for (int i = 0; i < 10; i++) {
		int cpu = tlb_pin_cpu_for(i);
		ASSERT_FALSE(core_used[core_of(cpu)]);
		core_used[core_of(cpu)] = true;
	}
	ASSERT_NE(tlb_pin_cpu_for(0) / 32, tlb_pin_cpu_for(1) / 32);
	ASSERT_NE(tlb_pin_cpu_for(2) / 32, tlb_pin_cpu_for(3) / 32);
	return 0;
}

TEST_IMPL(scatter_256_pus)
{
	init("package:4 core:32 pu:2", NULL, "scatter");
	ASSERT_EQ(tlb_pin_allowed_count(), 256);
	bool pkg[4] = { false };
	for (int i = 0; i < 4; i++)
		pkg[tlb_pin_cpu_for(i) / 64] = true;
	ASSERT_TRUE(pkg[0] && pkg[1] && pkg[2] && pkg[3]);
	bool core_used[128] = { false };
	for (int i = 0; i < 128; i++) {
		int cpu = tlb_pin_cpu_for(i);
		ASSERT_FALSE(core_used[cpu / 2]);
		core_used[cpu / 2] = true;
	}
	return 0;
}

TEST_IMPL(explicit_list_and_none)
{
	init(BIG, NULL, "3,1,5");
	ASSERT_EQ(tlb_pin_kind(), TLB_PIN_LIST);
	ASSERT_EQ(tlb_pin_allowed_count(), 3);
	ASSERT_EQ(tlb_pin_cpu_for(0), 3);
	ASSERT_EQ(tlb_pin_cpu_for(1), 1);
	ASSERT_EQ(tlb_pin_cpu_for(2), 5);
	ASSERT_EQ(tlb_pin_cpu_for(3), 3);
	ASSERT_STR_EQ(tlb_pin_policy_name(), "list:3,1,5");
	char err[256];
	ASSERT_OK(tlb_pin_set_policy("none", err, sizeof err));
	ASSERT_EQ(tlb_pin_cpu_for(0), -1);
	ASSERT_EQ(tlb_pin_allowed_count(), 64);
	ASSERT_EQ(tlb_pin_set_policy("bogus", err, sizeof err), TL_EINVAL);
	ASSERT_TRUE(strstr(err, "unknown pin policy") != NULL);
	ASSERT_EQ(tlb_pin_set_policy("1-", err, sizeof err), TL_EINVAL);
	ASSERT_EQ(tlb_pin_set_policy("1,1", err, sizeof err), TL_EINVAL);
	ASSERT_EQ(tlb_pin_set_policy("64", err, sizeof err), TL_EINVAL);
	ASSERT_EQ(tlb_pin_set_policy("", err, sizeof err), TL_EINVAL);
	/* binding is impossible on a synthetic topology */
	ASSERT_EQ(tlb_pin_self(0), TL_EPERM);
	return 0;
}

TEST_IMPL(several_policies)
{
	char err[256];
	init(BIG, NULL, "compact");
	ASSERT_OK(tlb_pin_set_policies("compact+scatter+4,5", err, sizeof err));
	ASSERT_EQ(tlb_pin_policy_count(), 3);
	ASSERT_STR_EQ(tlb_pin_policy_name_at(0), "compact");
	ASSERT_STR_EQ(tlb_pin_policy_name_at(1), "scatter");
	ASSERT_STR_EQ(tlb_pin_policy_name_at(2), "list:4,5");
	ASSERT_EQ(tlb_pin_allowed_count_at(0), 64);
	ASSERT_EQ(tlb_pin_allowed_count_at(2), 2);
	/* the first is active; the _at forms answer for any */
	ASSERT_EQ(tlb_pin_current(), 0);
	ASSERT_STR_EQ(tlb_pin_policy_name(), "compact");
	ASSERT_EQ(tlb_pin_cpu_for_at(0, 1), 1);        /* SMT sibling of PU 0 */
	ASSERT_EQ(tlb_pin_cpu_for_at(1, 1) / 32, 1);   /* the other package */
	ASSERT_EQ(tlb_pin_cpu_for_at(2, 3), 5);
	/* one thread lands alike under compact and scatter */
	ASSERT_EQ(tlb_pin_cpu_for_at(0, 0), tlb_pin_cpu_for_at(1, 0));
	/* tlb_pin_use switches what the plain queries answer */
	ASSERT_OK(tlb_pin_use(1));
	ASSERT_EQ(tlb_pin_kind(), TLB_PIN_SCATTER);
	ASSERT_EQ(tlb_pin_cpu_for(1), tlb_pin_cpu_for_at(1, 1));
	ASSERT_OK(tlb_pin_use(2));
	ASSERT_EQ(tlb_pin_allowed_count(), 2);
	ASSERT_EQ(tlb_pin_cpu_for(2), 4);
	ASSERT_EQ(tlb_pin_use(3), TL_EINVAL);
	ASSERT_EQ(tlb_pin_use(-1), TL_EINVAL);
	ASSERT_EQ(tlb_pin_current(), 2);
	/* bad specs change nothing */
	static const char *const bad[] = { "", "+", "compact+", "+scatter", "compact++scatter", "compact+compact",
					   "compact,scatter", "compact+bogus", "compact+64", "0+1+2+3+4", "4,5+5,4,4" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = 0;
		ASSERT_EQ(tlb_pin_set_policies(bad[i], err, sizeof err), TL_EINVAL);
		ASSERT_TRUE(err[0] != 0 && strchr(err, '\n') == NULL);
		ASSERT_EQ(tlb_pin_policy_count(), 3);
	}
	/* one policy, and the single-policy setter (tl-workload) takes no '+' */
	ASSERT_OK(tlb_pin_set_policies("scatter", err, sizeof err));
	ASSERT_EQ(tlb_pin_policy_count(), 1);
	ASSERT_EQ(tlb_pin_current(), 0);
	ASSERT_STR_EQ(tlb_pin_policy_name(), "scatter");
	ASSERT_EQ(tlb_pin_set_policy("compact+scatter", err, sizeof err), TL_EINVAL);
	ASSERT_EQ(tlb_pin_set_policy("0+1", err, sizeof err), TL_EINVAL);
	ASSERT_STR_EQ(tlb_pin_policy_name(), "scatter");
	return 0;
}

TEST_IMPL(parse_list)
{
	int out[16];
	ASSERT_EQ(tlb_pin_parse_list("0,2,4-7", out, 16), 6);
	ASSERT_EQ(out[0], 0);
	ASSERT_EQ(out[1], 2);
	ASSERT_EQ(out[5], 7);
	ASSERT_EQ(tlb_pin_parse_list("5", out, 16), 1);
	ASSERT_EQ(tlb_pin_parse_list("", out, 16), TL_EINVAL);
	ASSERT_EQ(tlb_pin_parse_list("3-1", out, 16), TL_EINVAL);
	ASSERT_EQ(tlb_pin_parse_list("1,,2", out, 16), TL_EINVAL);
	ASSERT_EQ(tlb_pin_parse_list("1,", out, 16), TL_EINVAL);
	ASSERT_EQ(tlb_pin_parse_list("x", out, 16), TL_EINVAL);
	ASSERT_EQ(tlb_pin_parse_list("0-20", out, 16), TL_EINVAL); /* more than max */
	return 0;
}

TEST_IMPL(bad_synthetic_is_an_error)
{
	char err[256] = "";
	ASSERT_EQ(tlb_pin_init("bogus:3", NULL, err, sizeof err), TL_EINVAL);
	ASSERT_TRUE(strstr(err, "synthetic") != NULL);
	return 0;
}

TEST_IMPL(init_twice_is_busy)
{
	char err[256];
	ASSERT_OK(tlb_pin_init(BIG, NULL, err, sizeof err));
	ASSERT_EQ(tlb_pin_init(BIG, NULL, err, sizeof err), TL_EBUSY);
	return 0;
}

TEST_IMPL(real_binding_is_verified)
{
	char err[256];
	/* this machine, whatever its allowed set (taskset, cgroups) */
	ASSERT_OK(tlb_pin_init(NULL, NULL, err, sizeof err));
	ASSERT_FALSE(tlb_pin_is_synthetic());
	ASSERT_OK(tlb_pin_set_policy("compact", err, sizeof err));
	int n = tlb_pin_allowed_count();
	ASSERT_GE(n, 1);
	for (int i = 0; i < n + 1; i++) {
		int want = tlb_pin_cpu_for(i);
		ASSERT_TRUE(tlb_pin_cpu_allowed(want));
		int got = tlb_pin_self(i);
		ASSERT_EQ(got, want);
		ASSERT_EQ(sched_getcpu(), want);
	}
	ASSERT_OK(tlb_pin_set_policy("none", err, sizeof err));
	int cpu = tlb_pin_self(0);
	ASSERT_TRUE(tlb_pin_cpu_allowed(cpu));
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(synthetic_counts)
TEST_ENTRY(compact_fills_smt_siblings_first)
TEST_ENTRY(scatter_spreads_before_reusing_a_core)
TEST_ENTRY(restricted_allowed_set_is_honoured)
TEST_ENTRY(scatter_unbalanced_packages)
TEST_ENTRY(scatter_256_pus)
TEST_ENTRY(explicit_list_and_none)
TEST_ENTRY(several_policies)
TEST_ENTRY(parse_list)
TEST_ENTRY(bad_synthetic_is_an_error)
TEST_ENTRY(init_twice_is_busy)
TEST_ENTRY(real_binding_is_verified)
TEST_LIST_END
