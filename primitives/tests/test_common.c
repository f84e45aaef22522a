#include "task.h"
#include "threadlab/common.h"

TEST_IMPL(strerror_distinct)
{
	ASSERT_STR_EQ(tl_strerror(TL_OK), "success");
	ASSERT(strcmp(tl_strerror(TL_EFULL), tl_strerror(TL_EEMPTY)) != 0);
	ASSERT(strcmp(tl_strerror(TL_ETIMEDOUT), tl_strerror(TL_EBUSY)) != 0);
	return 0;
}

TEST_IMPL(deadline_forever_is_null)
{
	struct timespec ts;
	ASSERT_NULL(tl_deadline(&ts, TL_FOREVER));
	ASSERT(tl_deadline(&ts, 0.5) == &ts);
	double left = tl_deadline_remaining(&ts);
	ASSERT(left > 0 && left <= 0.5);
	ASSERT(tl_deadline_remaining(NULL) == TL_FOREVER);
	return 0;
}

TEST_LIST_BEGIN
TEST_ENTRY(strerror_distinct)
TEST_ENTRY(deadline_forever_is_null)
TEST_LIST_END
