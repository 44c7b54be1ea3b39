/* test_augment.c — training-image augmentation (src/train/augment.c):
 * shifts of a 4x5 image against hand-computed results (zero fill, shift 0
 * the identity, a shift past the edge all zeros); the draw stays in
 * [-n, n], takes every value, and is a function of (seed, epoch, row)
 * alone; --augment is refused for flat features and out-of-range N. */
#include "check.h"
#include "train/augment.h"

#include <string.h>

enum { R = 4, C = 5 };

/* in[r][c] = 10 r + c + 1: every pixel nonzero and telling where it came from */
static void image(float *in)
{
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            in[r * C + c] = (float)(10 * r + c + 1);
}

static int same(const float *a, const float *b, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i] != b[i]) {
            printf("     pixel %d: %g, want %g\n", i, a[i], b[i]);
            return 0;
        }
    return 1;
}

static void test_shift(void)
{
    float in[R * C], out[R * C];
    image(in);
    ms_augment_shift(in, out, R, C, 0, 0);
    CHECK_MSG(same(out, in, R * C), "shift (0, 0) is the identity");

    const float right1_up2[R * C] = {0, 21, 22, 23, 24,
                                     0, 31, 32, 33, 34,
                                     0, 0,  0,  0,  0,
                                     0, 0,  0,  0,  0};
    ms_augment_shift(in, out, R, C, 1, -2);
    CHECK_MSG(same(out, right1_up2, R * C), "shift (+1, -2)");

    const float left1_down1[R * C] = {0,  0,  0,  0,  0,
                                      2,  3,  4,  5,  0,
                                      12, 13, 14, 15, 0,
                                      22, 23, 24, 25, 0};
    ms_augment_shift(in, out, R, C, -1, 1);
    CHECK_MSG(same(out, left1_down1, R * C), "shift (-1, +1)");

    const float zero[R * C] = {0};
    ms_augment_shift(in, out, R, C, C, 0);
    CHECK_MSG(same(out, zero, R * C), "shift (5, 0): off the image");
    ms_augment_shift(in, out, R, C, 0, -R);
    CHECK_MSG(same(out, zero, R * C), "shift (0, -4): off the image");
}

static void test_draw(void)
{
    int n = 2, seen[5] = {0}, bad = 0, differ_epoch = 0, differ_axes = 0;
    for (int row = 0; row < 1000; row++) {
        int dx, dy, dx2, dy2, ex, ey;
        ms_augment_draw(7, 3, row, n, &dx, &dy);
        ms_augment_draw(7, 3, row, n, &dx2, &dy2);
        ms_augment_draw(7, 4, row, n, &ex, &ey);
        bad += dx < -n || dx > n || dy < -n || dy > n || dx != dx2 || dy != dy2;
        if (!bad)
            seen[dx + n]++, seen[dy + n]++;
        differ_epoch += dx != ex || dy != ey;
        differ_axes += dx != dy;
    }
    CHECK_MSG(bad == 0, "%d draws outside [-2, 2] or not repeatable", bad);
    for (int k = 0; k < 5; k++)   /* 2000 draws, 400 expected each */
        CHECK_MSG(seen[k] > 300 && seen[k] < 500, "shift %d drawn %d times of 2000", k - n, seen[k]);
    CHECK_MSG(differ_epoch > 500, "another epoch changes only %d of 1000 shifts", differ_epoch);
    CHECK_MSG(differ_axes > 500, "dx != dy for only %d of 1000 rows", differ_axes);
    int dx = 9, dy = 9;
    ms_augment_draw(7, 3, 5, 0, &dx, &dy);
    CHECK(dx == 0 && dy == 0);
}

static void test_check(void)
{
    MsDataset img = {.n = 1, .nfeat = 30, .rows = 6, .cols = 5}, flat = {.n = 1, .nfeat = 30};
    MsDataset mnist = {.n = 1, .nfeat = 784, .rows = 28, .cols = 28};
    MsError err = {0};
    CHECK(ms_augment_check(0, &flat, &err) == MS_OK);
    CHECK(ms_augment_check(2, &img, &err) == MS_OK);
    CHECK(ms_augment_check(14, &mnist, &err) == MS_OK);
    CHECK(ms_augment_check(1, &flat, &err) == MS_ERR_ARG && strstr(err.msg, "no image shape"));
    memset(&err, 0, sizeof err);
    CHECK(ms_augment_check(3, &img, &err) == MS_ERR_ARG && strstr(err.msg, "out of range 0..2 for 6x5"));
    memset(&err, 0, sizeof err);
    CHECK(ms_augment_check(15, &mnist, &err) == MS_ERR_ARG && strstr(err.msg, "0..14"));
}

int main(void)
{
    test_shift();
    test_draw();
    test_check();
    return check_summary("augment");
}
