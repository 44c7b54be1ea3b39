/* check.h — minimal unit-test harness.  Each test binary calls CHECK*()
 * and ends with `return check_summary("name");`.  Every failed check prints
 * file:line and the values; the summary line "<name>: N passed, N failed"
 * is read by tests/run.sh. */
#ifndef MS_CHECK_H
#define MS_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_pass_, check_fail_;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) check_pass_++;                                                 \
        else { check_fail_++; printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
    } while (0)

/* |got - want| <= tol */
#define CHECK_NEAR(got, want, tol)                                               \
    do {                                                                         \
        double g_ = (got), w_ = (want), t_ = (tol);                              \
        if (fabs(g_ - w_) <= t_ && !isnan(g_)) check_pass_++;                    \
        else { check_fail_++; printf("FAIL %s:%d: %s = %.12g, want %.12g (tol %g)\n", \
                                     __FILE__, __LINE__, #got, g_, w_, t_); }    \
    } while (0)

#define CHECK_MSG(cond, ...)                                                     \
    do {                                                                         \
        if (cond) check_pass_++;                                                 \
        else { check_fail_++; printf("FAIL %s:%d: ", __FILE__, __LINE__);        \
               printf(__VA_ARGS__); printf("\n"); }                              \
    } while (0)

static inline int check_summary(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_pass_, check_fail_);
    return check_fail_ ? 1 : 0;
}

#endif
