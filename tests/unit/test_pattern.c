/* test_pattern.c — the circuit matrix as KLU sees it.  A crossbar of Yakopcic
 * cells between driven rows and 0 V columns must split into blocks of a few
 * unknowns (before, a structural zero on every voltage source's branch
 * diagonal joined all the cells' states into one block, and a 784-400-10
 * network spent 61 % of an adaptive run refactoring it); the split solve still
 * gives each column the sum of its cells' currents, and a loop of sources and
 * an inductor (a branch with a real diagonal) still solves. */
#include "check.h"
#include "op_util.h"
#include "solver/circuit.h"

#include <stdlib.h>

enum { ROWS = 12, COLS = 5 };

static double row_v(int i) { return 0.01 * (i + 1); }
static double cell_x0(int i, int j) { return 0.1 + 0.8 * ((i * COLS + j) % 7) / 6.0; }

static char *crossbar(void)
{
    size_t cap = 64 * 1024, n = 0;
    char *s = malloc(cap);
    n += (size_t)snprintf(s + n, cap - n, "crossbar\n.model syn memristor level=3 a1=0.17 a2=0.17 b=0.05\n");
    for (int i = 0; i < ROWS; i++)
        n += (size_t)snprintf(s + n, cap - n, "vin%d r%d 0 DC %g\n", i, i, row_v(i));
    for (int j = 0; j < COLS; j++)
        n += (size_t)snprintf(s + n, cap - n, "vc%d c%d 0 DC 0\n", j, j);
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < COLS; j++)
            n += (size_t)snprintf(s + n, cap - n, "ymemristor m%d_%d r%d c%d syn x0=%.17g\n", i, j, i, j,
                                  cell_x0(i, j));
    snprintf(s + n, cap - n, ".op\n.end\n");
    return s;
}

static void test_crossbar_blocks(void)
{
    char *text = crossbar();
    MsCircuit *c = NULL;
    MsError err = {0};
    CHECK_MSG(ms_circuit_load_string(text, "crossbar.cir", &c, &err) == MS_OK, "%s", err.msg);
    if (c) {
        /* unknowns: rows, columns, their branches, one state per cell */
        CHECK(c->n == 2 * ROWS + 2 * COLS + ROWS * COLS);
        CHECK_MSG(c->sym->maxblock <= 3, "largest block %d of %d unknowns", c->sym->maxblock, c->n);
        CHECK(c->sym->nblocks >= ROWS * COLS);
        ms_circuit_free(&c);
    }
    MsResult r;
    CHECK_MSG(op_of_text(text, "crossbar.cir", &r, &err) == MS_OK, "%s", err.msg);
    for (int j = 0; j < COLS; j++) {
        double want = 0;
        for (int i = 0; i < ROWS; i++)
            want += 0.17 * cell_x0(i, j) * sinh(0.05 * row_v(i));
        char name[32];
        snprintf(name, sizeof name, "i(vc%d)", j);
        CHECK_NEAR(val(&r, name), want, 1e-12 * want);
    }
    ms_result_free(&r);
    free(text);
}

/* A source, a resistor and an inductor in a loop: the inductor's branch keeps its own
 * diagonal (-L d/dt), the source's has none; the operating point is V/R through both. */
static void test_source_inductor_loop(void)
{
    MsResult r;
    MsError err = {0};
    const char *text = "loop\nv1 a 0 DC 2\nr1 a b 4\nl1 b 0 1m\n.op\n.end\n";
    CHECK_MSG(op_of_text(text, "loop.cir", &r, &err) == MS_OK, "%s", err.msg);
    CHECK_NEAR(val(&r, "i(l1)"), 0.5, 1e-12);
    CHECK_NEAR(val(&r, "i(v1)"), -0.5, 1e-12);
    ms_result_free(&r);
}

int main(void)
{
    test_crossbar_blocks();
    test_source_inductor_loop();
    return check_summary("test_pattern");
}
