/* test_grad_param.c — gradients with respect to trainable .params
 * (`.trainable rval` where rval is a top-level .param): against central
 * finite differences (grad_util.h; method and tolerances as in test_grad.c:
 * FD step 1e-3 relative for linear circuits, tolerance 1e-6; 1e-4 with
 * tight .options for nonlinear ones, tolerance 1e-5), and against the chain
 * rule through the element values the same run differentiates
 * (dL/dp = sum dL/dvalue * dvalue/dp, to rounding).
 *
 * Cases: a .param feeding R and C of an RC and a PULSE level (and a param
 * defined from it); source levels, an inductor and gains from .params at a
 * DC start; .params in behavioral expressions (B I= and V=, E value=, a
 * behavioral resistor, a .func, a ternary, subcircuits whose tapes are
 * evaluated together); a .param passed through subcircuit params: and a
 * subcircuit .param into memristor model and instance parameters (DC start
 * and uic, where x0 is the initial state); .ic values from .params (DC
 * start and uic); a .param that affects nothing
 * (exactly 0); checkpointing (the same gradients); ms_circuit_get_param /
 * set_param on a .param (the loss of the netlist written with the new
 * value; a value where a dependent expression fails changes nothing). */
#include "grad_util.h"

/* A netlist with its .trainable line as %s. */
static MsCircuit *load_with(const char *what, const char *fmt, const char *trainable)
{
    char text[4096];
    snprintf(text, sizeof text, fmt, trainable);
    return load(what, text);
}

static MsCircuit *fd_case_with(const char *what, const char *fmt, const char *trainable, const MsTranSpec *spec,
                               double rel_step, double tol, MsGrad *g)
{
    char text[4096];
    snprintf(text, sizeof text, fmt, trainable);
    return fd_case(what, text, spec, rel_step, tol, g);
}

/* dL/dp against sum_i coef[i] dL/d(element i) from a run of the same
 * netlist that trains the elements (names[i]). */
static void chain_rule(const char *what, const char *fmt, const char *elements, const MsTranSpec *spec,
                       const MsGrad *g, const char *param, int n, const char *const *names, const double *coef)
{
    MsCircuit *c = load_with(what, fmt, elements);
    MsGrad e;
    if (!c || grad(what, c, spec, NULL, &e)) {
        ms_circuit_free(&c);
        return;
    }
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += coef[i] * e.grad[param_index(&e, names[i])];
    double p = g->grad[param_index(g, param)];
    CHECK_MSG(relerr(p, sum) <= 1e-12, "%s: dL/d%s %.17g, chain rule %.17g (rel %.2e)", what, param, p, sum,
              relerr(p, sum));
    CHECK(g->loss == e.loss);
    printf("  %-26s %-8s chain rule rel %.1e\n", what, param, relerr(p, sum));
    ms_grad_free(&e);
    ms_circuit_free(&c);
}

/* ================= R and C of an RC, a PULSE level ================= */

static const char *RC_FMT = "rc from .params\n"
                            ".param rval=1k cval={2*rval*1e-10} vamp=1\n"
                            "V1 in 0 PULSE(0 {vamp} 0.1m 20u 20u 0.3m 1m)\n"
                            "R1 in out {rval}\n"
                            "C1 out 0 {cval}\n"
                            "R2 out 0 10k\n"
                            ".tran 1u 1m\n"
                            ".loss integral v(out) from=0.1m to=0.6m\n"
                            ".loss sqerr v(out) target=pwl(0 0 0.2m 0.8 0.6m 0.8 0.8m 0) weight=10\n"
                            ".loss value v(out) at=0.4505m\n"
                            ".trainable %s\n"
                            ".end\n";

static void test_rc(void)
{
    MsGrad g;
    /* linear, fixed step: FD step 1e-3, tolerance 1e-6 (observed ~1e-10) */
    MsCircuit *c = fd_case_with("param RC", RC_FMT, "rval vamp r2", &FIXED, 1e-3, 1e-6, &g);
    if (!c)
        return;
    /* R1 = rval, C1 = 2e-10 rval; V1's level = vamp */
    static const char *const rc[] = {"r1", "c1"}, *const v[] = {"v1"};
    chain_rule("param RC", RC_FMT, "r1 c1 v1 r2", &FIXED, &g, "rval", 2, rc, (const double[]){1, 2e-10});
    chain_rule("param RC", RC_FMT, "r1 c1 v1 r2", &FIXED, &g, "vamp", 1, v, (const double[]){1});
    CHECK(ms_circuit_get_param(c, param_index(&g, "rval")) == 1e3);
    ms_grad_free(&g);
    ms_circuit_free(&c);
}

/* ================= levels, an inductor, gains: DC start ================= */

static const char *SRC_FMT = "levels and gains from .params\n"
                             ".param vdc=0.5 lval=1m egain=2 fg={egain*1m}\n"
                             "V1 in 0 DC {vdc}\n"
                             "V2 s 0 SIN(0 {vdc*2} 2k)\n"
                             "R1 in out 1k\n"
                             "L1 out o2 {lval}\n"
                             "C1 o2 0 1u\n"
                             "E1 e 0 o2 0 {egain}\n"
                             "R2 e s 2k\n"
                             "G1 0 o2 s 0 {fg}\n"
                             "I1 0 o2 DC {vdc*1m}\n"
                             ".tran 1u 1m\n"
                             ".loss integral v(o2)\n"
                             ".loss integral v(e) from=0.2m\n"
                             ".trainable %s\n"
                             ".end\n";

static void test_sources(void)
{
    MsGrad g;
    /* linear, DC start, fixed step: FD step 1e-3, tolerance 1e-6 */
    MsCircuit *c = fd_case_with("param levels/gains", SRC_FMT, "vdc lval egain", &FIXED, 1e-3, 1e-6, &g);
    if (!c)
        return;
    static const char *const vn[] = {"v1", "v2", "i1"}, *const en[] = {"e1", "g1"}, *const ln[] = {"l1"};
    chain_rule("param levels/gains", SRC_FMT, "v1 v2 i1 e1 g1 l1", &FIXED, &g, "vdc", 3, vn,
               (const double[]){1, 2, 1e-3});
    chain_rule("param levels/gains", SRC_FMT, "v1 v2 i1 e1 g1 l1", &FIXED, &g, "egain", 2, en,
               (const double[]){1, 1e-3});
    chain_rule("param levels/gains", SRC_FMT, "v1 v2 i1 e1 g1 l1", &FIXED, &g, "lval", 1, ln, (const double[]){1});
    ms_grad_free(&g);
    ms_circuit_free(&c);
}

/* ================= behavioral expressions ================= */

/* X1, X2 read gl1 and share a tape class (evaluated 64 lanes at a time), X3
 * reads gl2; B3's ternary is evaluated alone. */
static const char *BEHAV = "behavioral expressions with .params\n"
                           ".param rval=1k g={1/rval} gain=2 gl1=1m gl2=2m\n"
                           ".func f(x) = x*g\n"
                           ".subckt leak a params: gl=1m\n"
                           "B1 a 0 I={gl*V(a)*(1 + V(a)*V(a))}\n"
                           ".ends\n"
                           "V1 in 0 SIN(0.3 1 2k)\n"
                           "R1 in out 1k\n"
                           "B1 out 0 I={f(V(out)) + 1e-4*tanh(V(out)*rval/1k)}\n"
                           "C1 out 0 100n\n"
                           "E1 e 0 value={gain*V(out)}\n"
                           "R3 e q r={rval*(1 + 0.1*V(q))}\n"
                           "C3 q 0 100n\n"
                           "B2 w 0 V={gain*V(out)*V(out)}\n"
                           "R4 w 0 1k\n"
                           "B3 q 0 I={V(q) > 0.2 ? V(q)*g*gain : 0}\n"
                           "X1 out leak params: gl={gl1}\n"
                           "X2 out leak params: gl={gl1}\n"
                           "X3 q leak params: gl={gl2}\n"
                           ".tran 1u 1m\n" TIGHT
                           ".loss integral v(out) from=0.1m to=0.6m\n"
                           ".loss sqerr v(q) target=pwl(0 0 1m 0.3)\n"
                           ".loss integral i(b2)\n"
                           ".trainable rval gain gl1 gl2\n"
                           ".end\n";

static void test_behavioral(void)
{
    MsGrad g;
    /* nonlinear, tight tolerances: FD step 1e-4, tolerance 1e-5 */
    MsCircuit *c = fd_case("param behavioral", BEHAV, &FIXED, 1e-4, 1e-5, &g);
    ms_grad_free(&g);
    ms_circuit_free(&c);
    /* that was a DC start (V1's offset: the operating point's adjoint
     * through the tapes); now from zero (uic) */
    static const MsTranSpec uic = {.uic = 1, .fixed_step = 1};
    c = fd_case("param behavioral uic", BEHAV, &uic, 1e-4, 1e-5, &g);
    ms_grad_free(&g);
    ms_circuit_free(&c);
}

/* ================= memristors through subcircuit params: ================= */

static const char *MEM_FMT = "memristor parameters from .params\n"
                             ".param rval=1k x0p=0.3 tscale=1\n"
                             ".subckt cell a b params: g=100 x0=0.1\n"
                             ".param ronl={g*0.5}\n"
                             ".model mm memristor level=1 ron={ronl} roff={160*g}\n"
                             "YMEMRISTOR m1 a b mm x0={x0}\n"
                             ".ends\n"
                             ".model mms memristor level=5\n"
                             "V1 in 0 SIN(0.2 1.2 0.5)\n"
                             "R1 in m 200\n"
                             "X1 m 0 cell params: g={rval/10} x0={x0p}\n"
                             "YMEMRISTOR m2 m 0 mms tau={tscale*0.2} x0={x0p/3}\n"
                             ".tran 2m 2%s\n" TIGHT
                             ".loss integral i(v1) from=0.2 to=1.5\n"
                             ".loss value v(m) at=0.75\n"
                             ".trainable %s\n"
                             ".end\n";

/* DC start (the operating point's adjoint; a memristor keeps x = x0 there)
 * and uic (x0 is the initial state: d x_0 / d x0).  The losses do not read
 * t = 0 and the first (backward Euler) step sees only q(x_0), the states:
 * both give the same numbers, by different routes. */
static void test_memristor(void)
{
    for (int uic = 0; uic < 2; uic++) {
        char fmt[4096], what[64];
        /* the .tran option now, the .trainable line later */
        snprintf(fmt, sizeof fmt, MEM_FMT, uic ? " uic" : "", "%s");
        snprintf(what, sizeof what, "param memristor%s", uic ? " uic" : "");
        MsGrad g;
        /* nonlinear, tight tolerances: FD step 1e-4, tolerance 1e-5 */
        MsCircuit *c = fd_case_with(what, fmt, "rval x0p tscale", &FIXED, 1e-4, 1e-5, &g);
        if (!c)
            continue;
        /* ron = rval/20, roff = 16 rval; x0 of m1 = x0p, of m2 = x0p/3; tau = 0.2 tscale */
        static const char *const rn[] = {"x1.m1:ron", "x1.m1:roff", "r1"}, *const xn[] = {"x1.m1:x0", "m2:x0"},
                                 *const tn[] = {"m2:tau"};
        const char *el = "x1.m1:ron x1.m1:roff x1.m1:x0 m2:x0 m2:tau r1";
        chain_rule(what, fmt, el, &FIXED, &g, "rval", 2, rn, (const double[]){0.05, 16});
        chain_rule(what, fmt, el, &FIXED, &g, "x0p", 2, xn, (const double[]){1, 1.0 / 3});
        chain_rule(what, fmt, el, &FIXED, &g, "tscale", 1, tn, (const double[]){0.2});
        ms_grad_free(&g);
        ms_circuit_free(&c);
    }
}

/* ================= .ic values from .params ================= */

/* DC start: the operating point's rows x_i = value_i; uic: x_0 itself,
 * except where a device's ic= sets the node after .ic (C2 on mid). */
static void test_ic(void)
{
    const char *text = ".ic from .params\n"
                       ".param v0=0.5 rval=1k xs=0.1\n"
                       "V1 in 0 PULSE(0.2 1 0.1m 20u 20u 0.3m 1m)\n"
                       "R1 in out {rval}\n"
                       "C1 out 0 100n\n"
                       "R2 out mid 2k\n"
                       "C2 mid 0 50n ic=0.1\n"
                       "R3 mid 0 10k\n"
                       "Cx s 0 1\n"
                       "Bx 0 s I={1e3*(V(out) - V(s))}\n"
                       ".ic v(out)={v0} v(mid)={v0*2} v(s)={xs}\n"
                       ".tran 1u 1m\n"
                       ".loss integral v(mid)\n"
                       ".loss value v(out) at=0.02m\n"
                       ".loss integral v(s)\n"
                       ".trainable v0 rval xs\n"
                       ".end\n";
    for (int uic = 0; uic < 2; uic++) {
        MsTranSpec spec = {.uic = uic, .fixed_step = 1};
        MsGrad g;
        /* linear equations, fixed step: FD step 1e-3, tolerance 1e-6 */
        MsCircuit *c = fd_case(uic ? "param .ic uic" : "param .ic DC", text, &spec, 1e-3, 1e-6, &g);
        ms_grad_free(&g);
        ms_circuit_free(&c);
    }
}

/* ================= a .param that affects nothing ================= */

static void test_zero(void)
{
    /* unused is read by nothing; iso sets a sub-network the loss does not see */
    const char *text = "a .param with no influence\n"
                       ".param unused=5 iso=1k\n"
                       "V1 in 0 PULSE(0 1 0.1m 50u 50u 0.4m 1m)\n"
                       "R1 in out 1k\n"
                       "C1 out 0 100n\n"
                       "V9 z 0 SIN(0 1 3k)\n"
                       "R9 z y {iso}\n"
                       "B9 y 0 I={V(y)/iso}\n"
                       "C9 y 0 1u\n"
                       ".tran 1u 1m\n"
                       ".loss integral v(out)\n"
                       ".loss value v(out) at=0.5m\n"
                       ".trainable unused iso r1\n"
                       ".end\n";
    for (int uic = 0; uic < 2; uic++) {
        for (int fixed = 0; fixed < 2; fixed++) {
            MsCircuit *c = load("param zero", text);
            MsTranSpec spec = {.uic = uic, .fixed_step = fixed};
            MsGrad g;
            if (c && grad("param zero", c, &spec, NULL, &g) == MS_OK) {
                for (int k = 0; k < 2; k++)
                    CHECK_MSG(g.grad[k] == 0.0, "d/d%s = %.17g, want exactly 0 (uic=%d fixed=%d)", g.names[k],
                              g.grad[k], uic, fixed);
                CHECK(g.grad[2] != 0.0);
                ms_grad_free(&g);
            }
            ms_circuit_free(&c);
        }
    }
}

/* ================= checkpointing: the same gradients ================= */

/* Loss and gradients the same to rounding (a replayed segment starts from a
 * fresh factorisation): relative 1e-12. */
static void same_to_rounding(const char *what, const MsGrad *a, const MsGrad *b)
{
    CHECK_MSG(relerr(a->loss, b->loss) <= 1e-12, "%s: loss %.17g vs %.17g", what, a->loss, b->loss);
    CHECK(a->nparams == b->nparams);
    for (int k = 0; k < a->nparams && k < b->nparams; k++)
        CHECK_MSG(relerr(a->grad[k], b->grad[k]) <= 1e-12, "%s: d/d%s %.17g vs %.17g (rel %.2e)", what, a->names[k],
                  a->grad[k], b->grad[k], relerr(a->grad[k], b->grad[k]));
}

static void test_checkpoint(void)
{
    char rc[4096], mem[4096], memfmt[4096];
    snprintf(rc, sizeof rc, RC_FMT, "rval vamp r2");
    snprintf(memfmt, sizeof memfmt, MEM_FMT, "", "%s");
    snprintf(mem, sizeof mem, memfmt, "rval x0p tscale");
    const char *cases[][2] = {{"ckpt param RC", rc}, {"ckpt param behavioral", BEHAV}, {"ckpt param memristor", mem}};
    static const long K[] = {1, 7, -1};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        MsCircuit *c = load(cases[i][0], cases[i][1]);
        MsGrad ref;
        if (!c || grad(cases[i][0], c, &FIXED, NULL, &ref)) {
            ms_circuit_free(&c);
            continue;
        }
        for (size_t j = 0; j < sizeof K / sizeof K[0]; j++) {
            RunOpts o = {.checkpoint = K[j]};
            MsGrad g;
            char what[96];
            snprintf(what, sizeof what, "%s K=%ld", cases[i][0], K[j]);
            if (grad(what, c, &FIXED, &o, &g) == MS_OK) {
                same_to_rounding(what, &ref, &g);
                double worst = 0;
                for (int k = 0; k < g.nparams; k++)
                    worst = fmax(worst, relerr(g.grad[k], ref.grad[k]));
                printf("  %-30s largest difference %.1e\n", what, worst);
                ms_grad_free(&g);
            }
        }
        ms_grad_free(&ref);
        ms_circuit_free(&c);
    }
}

/* ================= get_param / set_param on a .param ================= */

static void test_api(void)
{
    const char *fmt = "set a .param\n"
                      ".param rval=%s r2v={sqrt(rval)*100}\n"
                      "V1 in 0 PULSE(0 1 0.1m 20u 20u 0.3m 1m)\n"
                      "R1 in out {rval}\n"
                      "C1 out 0 {rval*1e-10}\n"
                      "R2 out 0 {r2v}\n"
                      "B1 out 0 I={V(out)/(10*rval)}\n"
                      ".tran 1u 1m\n"
                      ".loss integral v(out)\n"
                      ".trainable rval\n"
                      ".end\n";
    char a[1024], b[1024];
    snprintf(a, sizeof a, fmt, "1k");
    snprintf(b, sizeof b, fmt, "1.5k");
    MsCircuit *c = load("param api", a), *c2 = load("param api 1.5k", b);
    if (!c || !c2) {
        ms_circuit_free(&c);
        ms_circuit_free(&c2);
        return;
    }
    CHECK(ms_circuit_num_params(c) == 1 && ms_circuit_get_param(c, 0) == 1e3);
    double l0 = loss_now("param api", c, &FIXED, NULL);
    /* every value computed from rval follows: the loss of the netlist written with 1.5k */
    set_param(c, 0, 1.5e3);
    CHECK(ms_circuit_get_param(c, 0) == 1.5e3);
    double l1 = loss_now("param api", c, &FIXED, NULL), l2 = loss_now("param api 1.5k", c2, &FIXED, NULL);
    CHECK_MSG(relerr(l1, l2) <= 1e-13, "loss after set_param %.17g, netlist with 1.5k %.17g", l1, l2);
    CHECK(relerr(l1, l0) > 1e-3);
    /* sqrt(-1): an error naming r2, and nothing changes */
    MsError err = {0};
    int rc = ms_circuit_set_param(c, 0, -1, &err);
    CHECK_MSG(rc == MS_ERR_EVAL && strstr(err.msg, "r2") && strstr(err.msg, "square root"), "set_param(-1): %d %s",
              rc, err.msg);
    CHECK(ms_circuit_get_param(c, 0) == 1.5e3);
    CHECK(loss_now("param api", c, &FIXED, NULL) == l1);
    set_param(c, 0, 1e3);
    CHECK_MSG(relerr(loss_now("param api", c, &FIXED, NULL), l0) <= 1e-15, "loss after restoring rval");
    ms_circuit_free(&c);
    ms_circuit_free(&c2);
}

int main(void)
{
    test_rc();
    test_sources();
    test_behavioral();
    test_memristor();
    test_ic();
    test_zero();
    test_checkpoint();
    test_api();
    return check_summary("test_grad_param");
}
