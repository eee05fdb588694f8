/*
 * fpu: x87, SSE and SSE2 arithmetic give exact, known results.
 *
 * Driven by tests/e2e/test_guests.c (test_fpu).
 */
#include "guest_util.h"

typedef float v4sf __attribute__((vector_size(16)));
typedef double v2df __attribute__((vector_size(16)));

static volatile double d_in = 1.5;
static volatile float f_in = 0.25f;
static volatile long double ld_in = 3.0L;

int solo5_app_main(const struct solo5_start_info *si)
{
    v4sf a = {1.0f, 2.0f, 3.0f, 4.0f}, b = {0.5f, 0.5f, 0.5f, 0.5f};
    v2df c = {d_in, d_in * 2}, e;
    double acc = 0;

    (void)si;
    a = a * b + a;
    SPT_ASSERT(a[0] == 1.5f && a[3] == 6.0f);
    e = c * c;
    SPT_ASSERT(e[0] == 2.25 && e[1] == 9.0);
    SPT_ASSERT(d_in * f_in == 0.375);
    SPT_ASSERT(ld_in / 2 == 1.5L);
    for (int i = 1; i <= 100; i++)
        acc += 1.0 / ((double)i * (double)(i + 1));
    SPT_ASSERT(acc > 0.99 && acc < 1.0); /* telescopes to 100/101 */
    SPT_ASSERT((int)(acc * 101.0 + 0.5) == 100);
    g_puts("SUCCESS\n");
    return 0;
}
