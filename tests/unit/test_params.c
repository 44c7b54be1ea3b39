/* test_params.c — parameters, functions and expressions through
 * elaboration: .param with expressions and forward references, cycles
 * reported with the parameter's name and line, .func at the top and inside
 * subcircuits (scoping, shadowing), subcircuit parameters (defaults,
 * defaults that depend on other defaults, per-instance overrides evaluated
 * in the instantiating scope), the {expr} and 'expr' forms on every kind of
 * card, and behavioral sources whose operating points are known in closed
 * form.  Every expected number is worked out by hand in the comments. */
#include "check.h"
#include "op_util.h"
#include "memspice.h"

#include <stdlib.h>
#include <string.h>



/* Loading must fail with code; the message must hold every string in want. */

static int op_of(const char *text, MsResult *res, MsError *err) { return op_of_text(text, "p.cir", res, err); }

static void load_fails(const char *what, const char *text, int code, const char *const *want)
{
    MsCircuit *c = NULL;
    MsError err = {0};
    int rc = ms_circuit_load_string(text, "p.cir", &c, &err);
    CHECK_MSG(rc == code && c == NULL, "%s: rc %d, want %d (%s)", what, rc, code, err.msg);
    for (; *want; want++)
        CHECK_MSG(strstr(err.msg, *want) != NULL, "%s: '%s' not in message '%s'", what, *want, err.msg);
    ms_circuit_free(&c);
}

static void test_forward_references(void)
{
    MsResult r;
    MsError err;
    /* a = 2 b, b = c + 1, c = 3, defined in the reverse order of use:
     * a = 8; x = 2 y with y on the same line after it: 10; z from a
     * parameter defined after the element that uses it */
    int rc = op_of("forward\n"
                   ".param a={b*2}\n"
                   ".param b={c+1}\n"
                   ".param c=3\n"
                   ".param x={y*2} y=5\n"
                   "V1 n1 0 {a}\n"
                   "V2 n2 0 {x}\n"
                   "V3 n3 0 {z}\n"
                   "R1 n1 0 1k\nR2 n2 0 1k\nR3 n3 0 1k\n"
                   ".param z='a + x/2'\n"
                   ".op\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "forward references: %s", err.msg);
    CHECK_NEAR(val(&r, "v(n1)"), 8, 1e-12);
    CHECK_NEAR(val(&r, "v(n2)"), 10, 1e-12);
    CHECK_NEAR(val(&r, "v(n3)"), 13, 1e-12);
    ms_result_free(&r);
}

static void test_cycles(void)
{
    /* the first parameter evaluated that is met again is named, at its line */
    load_fails("three-parameter cycle",
               "cycle\n.param a={b+1}\n.param b={c+1}\n.param c={a+1}\nV1 n 0 {a}\nR1 n 0 1\n.end\n", MS_ERR_SEMANTIC,
               (const char *[]){"p.cir:2", "'a'", "cycle", NULL});
    load_fails("self reference", "self\nV1 n 0 1\nR1 n 0 1\n.param k={k*2}\n.end\n", MS_ERR_SEMANTIC,
               (const char *[]){"p.cir:4", "'k'", NULL});
    load_fails("cycle through a .func",
               "func cycle\n.func f(x) {x + g}\n.param g={f(1)}\nV1 n 0 {g}\nR1 n 0 1\n.end\n", MS_ERR_SEMANTIC,
               (const char *[]){"'g'", "cycle", NULL});
    load_fails("cycle among subcircuit defaults",
               "sub cycle\n.subckt s n params: w={h*2} h={w/2}\nR1 n 0 {w}\n.ends\nX1 a s\nV1 a 0 1\n.end\n",
               MS_ERR_SEMANTIC, (const char *[]){"p.cir:2", "cycle", NULL});
    load_fails("cycle between a subcircuit .param and a default",
               "sub cycle 2\n.subckt s n params: w={v2}\n.param v2={w*2}\nR1 n 0 {v2}\n.ends\nX1 a s\nV1 a 0 1\n.end\n",
               MS_ERR_SEMANTIC, (const char *[]){"cycle", NULL});
    /* an overriding instance value breaks the cycle: w = 1, v2 = 2 */
    MsResult r;
    MsError err;
    int rc = op_of("no cycle\n.subckt s n params: w={v2}\n.param v2={w*2}\nR1 n 0 {v2*1k}\n.ends\n"
                   "X1 a s w=1\nV1 a 0 4\n.op\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "override breaks the cycle: %s", err.msg);
    CHECK_NEAR(val(&r, "i(v1)"), -4 / 2e3, 1e-15);
    ms_result_free(&r);
}

static void test_funcs_in_subckts(void)
{
    MsResult r;
    MsError err;
    int rc = op_of("funcs\n"
                   ".func g(x) {x*5}\n"
                   ".func top2(x) {x + 1}\n"
                   ".subckt halfdiv in out params: k=2\n"
                   ".func scale(x) {x*k}\n"               /* reads the instance's k */
                   "R1 in out {scale(500)}\n"
                   "R2 out 0 1k\n"
                   "B1 out2 0 V={scale(V(in))/10}\n"
                   ".ends\n"
                   ".subckt s1 n\n"
                   ".func g(x) {x*2}\n"                   /* shadows the top-level g */
                   "V1 n 0 {g(1)}\n"
                   ".ends\n"
                   ".subckt s2 n\n"
                   ".func g(x) {x*3}\n"
                   "B1 n 0 V={g(top2(1))}\n"              /* a top-level .func inside */
                   ".ends\n"
                   "V1 a 0 9\n"
                   "X1 a o1 halfdiv\n"                    /* R1 = 1k: 4.5 V */
                   "X2 a o2 halfdiv k=4\n"                /* R1 = 2k: 3 V */
                   "Xa na s1\nRa na 0 1k\n"              /* 2 */
                   "Xb nb s2\nRb nb 0 1k\n"              /* 6 */
                   "Vc nc 0 {g(1)}\nRc nc 0 1k\n"       /* 5 */
                   ".op\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "funcs in subcircuits: %s", err.msg);
    CHECK_NEAR(val(&r, "v(o1)"), 4.5, 1e-9);
    CHECK_NEAR(val(&r, "v(o2)"), 3, 1e-9);
    CHECK_NEAR(val(&r, "v(x1.out2)"), 9 * 2 / 10.0, 1e-9);
    CHECK_NEAR(val(&r, "v(x2.out2)"), 9 * 4 / 10.0, 1e-9);
    CHECK_NEAR(val(&r, "v(na)"), 2, 1e-9);
    CHECK_NEAR(val(&r, "v(nb)"), 6, 1e-9);
    CHECK_NEAR(val(&r, "v(nc)"), 5, 1e-9);
    ms_result_free(&r);

    /* a .func of a subcircuit is not visible outside it */
    load_fails("subcircuit .func used outside",
               "scope\n.subckt s n\n.func inner(x) {x}\nR1 n 0 1\n.ends\nV1 a 0 {inner(1)}\nR1 a 0 1\n.end\n",
               MS_ERR_SEMANTIC, (const char *[]){"p.cir:6", "inner", NULL});

    /* a name a .func body does not bind is the caller's (ngspice expands
     * functions textually): f(x) = g(1), g(y) = y + x gives 1 + x, both in
     * a parameter (tree evaluator) and in a B source (compiled tape);
     * ngspice -b prints 6 for both */
    rc = op_of("dynamic\n"
               ".param x=100\n"
               ".func g(y) {y + x}\n"
               ".func f(x) {g(1)}\n"
               ".param r1={f(5)}\n"
               "V1 a 0 {r1}\nR1 a 0 1\n"
               "V2 five 0 5\n"
               "B1 c 0 V={f(V(five))}\nR2 c 0 1\n"
               ".op\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "dynamic: %s", err.msg);
    CHECK_NEAR(val(&r, "v(a)"), 6, 1e-12);
    CHECK_NEAR(val(&r, "v(c)"), 6, 1e-12);
    ms_result_free(&r);
}

static void test_subckt_params(void)
{
    MsResult r;
    MsError err;
    /* v(m) = 9 r2 / (r1 + r2) per instance */
    int rc = op_of("subckt params\n"
                   ".param rr=4k\n"
                   ".param r1=7k\n"                       /* not the subcircuit's r1 */
                   ".subckt cell p params: r1=1k r2={2*r1}\n"
                   "R1 p m {r1}\n"
                   "R2 m 0 {r2}\n"
                   ".ends\n"
                   ".subckt outer p params: q=1k\n"
                   "X1 p cell r1={q} r2={q*3}\n"          /* q of this outer instance */
                   ".ends\n"
                   "V1 a 0 9\n"
                   "X1 a cell\n"                          /* 1k, 2k: 6 V, 3k */
                   "X2 a cell r1=3k\n"                    /* 3k, 6k: 6 V, 9k */
                   "X3 a cell r2=1k\n"                    /* 1k, 1k: 4.5 V, 2k */
                   "X4 a cell r1={rr} r2='rr/2'\n"        /* 4k, 2k: 3 V, 6k */
                   "X5 a cell params: r1=2k\n"            /* 2k, 4k: 6 V, 6k */
                   "X6 a outer q=500\n"                   /* 500, 1.5k: 6.75 V, 2k */
                   "X7 a outer\n"                         /* 1k, 3k: 6.75 V, 4k */
                   ".op\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "subckt params: %s", err.msg);
    CHECK_NEAR(val(&r, "v(x1.m)"), 6, 1e-9);
    CHECK_NEAR(val(&r, "v(x2.m)"), 6, 1e-9);
    CHECK_NEAR(val(&r, "v(x3.m)"), 4.5, 1e-9);
    CHECK_NEAR(val(&r, "v(x4.m)"), 3, 1e-9);
    CHECK_NEAR(val(&r, "v(x5.m)"), 6, 1e-9);
    CHECK_NEAR(val(&r, "v(x6.x1.m)"), 6.75, 1e-9);
    CHECK_NEAR(val(&r, "v(x7.x1.m)"), 6.75, 1e-9);
    /* the currents tell the instances apart */
    CHECK_NEAR(val(&r, "i(v1)"), -9 * (1 / 3e3 + 1 / 9e3 + 1 / 2e3 + 1 / 6e3 + 1 / 6e3 + 1 / 2e3 + 1 / 4e3), 1e-12);
    ms_result_free(&r);

    load_fails("unknown instance parameter", "x\n.subckt s n params: a=1\nR1 n 0 {a}\n.ends\nX1 m s b=2\nV1 m 0 1\n.end\n",
               MS_ERR_SEMANTIC, (const char *[]){"p.cir:5", "'b'", NULL});
    load_fails("instance value with an unknown name",
               "x\n.subckt s n params: a=1\nR1 n 0 {a}\n.ends\nX1 m s a={nope*2}\nV1 m 0 1\n.end\n", MS_ERR_SEMANTIC,
               (const char *[]){"p.cir:5", "nope", NULL});
}

static void test_expression_forms(void)
{
    MsResult r;
    MsError err;
    /* V(a) = 2 */
    int rc = op_of("forms\n"
                   ".param x='2*3' y={x/2}\n"
                   "V1 a 0 {y - 1}\n"                     /* 2 */
                   "Ra a 0 1k\n"
                   "R1 a n1 {1k*2}\nR1b n1 0 '1k*2'\n"   /* 1 V */
                   "B1 n2 0 I={V(a)*1m}\nR2 n2 0 1k\n"    /* I from n2 through B1 to 0: v = -2 */
                   "B2 n3 0 I='V(a)*1m'\nR3 n3 0 1k\n"    /* -2 */
                   "G1 n4 0 value={V(a)^2 * 1m}\nR4 n4 0 1k\n"   /* -4 */
                   "G2 n5 0 value='pwr(V(a),3) * 1m'\nR5 n5 0 1k\n"   /* -8 */
                   "E1 n6 0 value={V(a) * 3 + 1}\n"       /* 7 */
                   "E2 n7 0 value='V(a,n1) * x'\n"        /* (2 - 1) 6 = 6 */
                   "B3 n8 0 V={I(v1) * 1k}\n"            /* I(v1): current into the + node = -(2m + 0.5m): -2.5 */
                   "R6 a n9 r={V(a)*500 + 1k}\nR7 n9 0 1k\n"   /* 2k / 1k: 2/3 */
                   "R8 a n10 {V(a)*1.5k + 1k}\nR9 n10 0 1k\n"  /* 4k / 1k: 0.4 */
                   "B4 n11 0 V={time + 3}\n"              /* time = 0 at the operating point */
                   ".op\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "forms: %s", err.msg);
    CHECK_NEAR(val(&r, "v(a)"), 2, 1e-12);
    CHECK_NEAR(val(&r, "v(n1)"), 1, 1e-9);
    CHECK_NEAR(val(&r, "v(n2)"), -2, 1e-9);
    CHECK_NEAR(val(&r, "v(n3)"), -2, 1e-9);
    CHECK_NEAR(val(&r, "v(n4)"), -4, 1e-9);
    CHECK_NEAR(val(&r, "v(n5)"), -8, 1e-9);
    CHECK_NEAR(val(&r, "v(n6)"), 7, 1e-9);
    CHECK_NEAR(val(&r, "v(n7)"), 6, 1e-9);
    /* V1 feeds Ra (2 mA), R1 + R1b (0.5 mA), R6 + R7 (2/3 mA), R8 + R9
     * (0.4 mA); B1, B2, G1, G2 draw nothing from a */
    double iv1 = -(2e-3 + 0.5e-3 + 2e-3 / 3 + 0.4e-3);
    CHECK_NEAR(val(&r, "i(v1)"), iv1, 1e-12);
    CHECK_NEAR(val(&r, "v(n8)"), iv1 * 1e3, 1e-9);
    CHECK_NEAR(val(&r, "v(n9)"), 2.0 / 3, 1e-9);
    CHECK_NEAR(val(&r, "v(n10)"), 0.4, 1e-9);
    CHECK_NEAR(val(&r, "v(n11)"), 3, 1e-12);
    ms_result_free(&r);

    /* malformed forms name the line */
    load_fails("B without I= or V=", "b\nV1 a 0 1\nB1 a 0 V(a)*2\n.end\n", MS_ERR_SYNTAX, (const char *[]){"p.cir:3", NULL});
    load_fails("unclosed quote", "q\nV1 a 0 1\nB1 n 0 V='V(a)*2\nR1 n 0 1\n.end\n", MS_ERR_SYNTAX,
               (const char *[]){"p.cir:3", NULL});
    load_fails("unbalanced parenthesis", "p\nV1 a 0 1\nR1 n 0 1\nB1 n 0 I={V(a)*(2+1}\n.end\n", MS_ERR_SYNTAX,
               (const char *[]){"p.cir:4", NULL});
    load_fails("constant error in a B source", "c\nV1 a 0 1\nR1 n 0 1\n\nB1 n 0 I={V(a) + ln(0)}\n.end\n", MS_ERR_EVAL,
               (const char *[]){"p.cir:5", "ln(0)", NULL});
    load_fails("unknown name in a B source", "u\nV1 a 0 1\nR1 n 0 1\nB1 n 0 I={V(a)*nosuch}\n.end\n", MS_ERR_SEMANTIC,
               (const char *[]){"p.cir:4", "nosuch", NULL});
    load_fails("I() of nothing", "i\nV1 a 0 1\nR1 n 0 1\nB1 n 0 I={I(vnone)*2}\n.op\n.end\n", MS_ERR_SEMANTIC,
               (const char *[]){"p.cir:4", "vnone", NULL});
    load_fails("recursive .func in a B source", "r\nV1 a 0 1\nR1 n 0 1\n.func f(x) {f(x)+1}\nB1 n 0 I={f(V(a))}\n.end\n",
               MS_ERR_SEMANTIC, (const char *[]){"p.cir:5", NULL});
    load_fails("V() in a .param", "v\n.param p={V(a)*2}\nV1 a 0 1\nR1 a 0 1\n.end\n", MS_ERR_UNSUPPORTED,
               (const char *[]){"p.cir:2", NULL});
}

/* A memristor model card is read once for all its instances when its
 * values are plain numbers (elaboration keeps the reading); a card inside a
 * subcircuit whose values read the subcircuit's parameters is read again
 * for each instance.  HP memristors held at x0 at the operating point:
 * R = ron x0 + roff (1 - x0). */
static void test_model_cards_per_instance(void)
{
    MsResult r;
    MsError err;
    int rc = op_of("models\n"
                   ".model lit memristor level=1 ron=100 roff=16k x0=0.5\n"
                   ".subckt cell a params: r=1k\n"
                   ".model own memristor level=1 ron={r} roff={4*r} x0=1\n"
                   "ymemristor m a 0 own\n"
                   ".ends\n"
                   "V1 a 0 1\nV2 b 0 1\nV3 c 0 1\nV4 d 0 1\n"
                   "ymemristor m1 a 0 lit\n"
                   "ymemristor m2 b 0 lit x0=0.25\n"
                   "x1 c cell r=1k\n"
                   "x2 d cell r=2k\n"
                   ".op\n.end\n", &r, &err);
    CHECK_MSG(rc == MS_OK, "model cards: %s", err.msg);
    CHECK_NEAR(val(&r, "i(v1)"), -1 / (100 * 0.5 + 16e3 * 0.5), 1e-15);
    CHECK_NEAR(val(&r, "i(v2)"), -1 / (100 * 0.25 + 16e3 * 0.75), 1e-15);
    CHECK_NEAR(val(&r, "i(v3)"), -1 / 1e3, 1e-15);
    CHECK_NEAR(val(&r, "i(v4)"), -1 / 2e3, 1e-15);
    ms_result_free(&r);
}

int main(void)
{
    test_forward_references();
    test_model_cards_per_instance();
    test_cycles();
    test_funcs_in_subckts();
    test_subckt_params();
    test_expression_forms();
    return check_summary("params");
}
