/* memristor_models.h — memristor model equations (levels) and parameters.
 *
 * Every level but Xyce's TEAM uses one normalised state x in [0, 1]: x = 1 is the low-
 * resistance (on) state, x = 0 the high-resistance (off) state; v is
 * v(n+) - v(n-), I the current from n+ through the device to n-, and
 * g = dx/dt.  stp(s) = 1 for s > 0, else 0.  Win(x) = 1 - (2x - 1)^(2p).
 *
 * Bounds (every level): at or beyond a bound, a rate that points further out
 * is 0 (g = 0 for x >= 1 and g > 0, or x <= 0 and g < 0; the stp terms of
 * the Biolek and TEAM windows), in the dual-number and the fast forms alike.
 * Every window vanishes at the bound ahead, so an implicit step toward a
 * bound has its solution inside [0, 1]; HP without a window ramps its rate
 * to 0 over the last 1e-6 before the bound (HP_EDGE) for the same reason.
 * States inside (0, 1) are evaluated exactly as before; the MMS (level 5)
 * never points outward and is unchanged.  dev_memristor.c refuses to accept
 * a transient point outside [0, 1] (a trapezoidal overshoot).
 *
 * level 1  HP linear ion drift (Strukov et al., Nature 2008) with a window:
 *          R = Ron x + Roff (1 - x),  I = v / R,
 *          g = uv Ron / D^2 * I * F(x, I)
 *          window=0 none: F = 1 (see Bounds);  1 Joglekar: F = Win(x);
 *          2 Biolek (default): F = 1 - (x - stp(-I))^(2p);
 *          3 Prodromakis: F = j (1 - ((x - 1/2)^2 + 3/4)^p)
 *          defaults Ron 100, Roff 16k, D 10n, uv 1e-14, p 1, j 1, x0 0.1
 * level 2  TEAM (Kvatinsky et al., IEEE TCAS-I 2013), current thresholds
 *          ion < 0 < ioff, written for the normalised state:
 *          g = kon (I/ion - 1)^alphaon Win(x)     for I < ion   (switches on)
 *          g = -koff (I/ioff - 1)^alphaoff Win(x) for I > ioff  (switches off)
 *          g = 0 otherwise;  iv=0 linear R = Roff + (Ron - Roff) x,
 *          iv=1 exponential R = Roff exp(-ln(Roff/Ron) x);  I = v / R
 *          (parameter names: ron roff ion ioff kon koff alphaon alphaoff p iv;
 *          kon, koff >= 0.  Xyce's TEAM, with its physical state, is the
 *          Xyce form below)
 *          defaults Ron 50, Roff 1k, ion -8.9u, ioff 115u, kon 1.56e2,
 *          koff 4.87e2 (1/s), alphaon 10, alphaoff 10, p 1, iv 0, x0 0.5
 * level 3  Yakopcic (IEEE EDL 2011; 2013):
 *          I = a1 x sinh(b v) for v >= 0, a2 x sinh(b v) for v < 0
 *          G(v) = Ap (exp(v) - exp(Vp)) for v > Vp,
 *                 -An (exp(-v) - exp(Vn)) for v < -Vn, else 0
 *          F(x) = exp(-alphap (x - xp)) ((xp - x)/(1 - xp) + 1) if eta G > 0 and x >= xp,
 *                 exp(alphan (x + xn - 1)) x / (1 - xn)         if eta G < 0 and x <= 1 - xn,
 *                 1 otherwise;   g = eta G(v) F(x)
 *          (parameter names: a1 a2 b ap an vp vn alphap alphan xp xn eta)
 *          defaults a1 0.17, a2 0.17, b 0.05, ap 4000, an 4000, vp 0.16,
 *          vn 0.15, alphap 1, alphan 5, xp 0.3, xn 0.5, eta 1, x0 0.11
 * level 4  refused: Xyce's level 4 is its piecewise empirical model (PEM)
 *
 * Xyce forms (m->xyce = 1; chosen by xyce=1 or by a parameter only Xyce
 * has on the .model card, memristor_xyce.c), as Xyce's N_DEV_MemristorTEAM
 * and N_DEV_MemristorYakopcic compute them, with Xyce's defaults:
 * level 2  Xyce's TEAM: the state X is Xyce's, the physical state times
 *          s = xscaling, in [xon s, xoff s] (xon: on, Ron; xoff: off, Roff):
 *          u = (X - xon s)/((xoff - xon) s),  R = Ron + (Roff - Ron) u, or
 *          Ron (Roff/Ron)^u with ivrelation=1 (iv);  I = v / R
 *          dX/dt = koff s (I/ioff - 1)^alphaoff W  for I >= ioff
 *                  kon s (I/ion - 1)^alphaon W     for I <= ion,  else 0
 *          (kon <= 0 <= koff, ion < 0 < ioff); window W by wt: 0 none,
 *          1 1 - (2X/D - 1)^(2p), 2 1 - (X/D - stp(I))^(2p) (stp(I) = 1
 *          for I >= 0), 3 j (1 - ((X - 1/2)^2 - 3/4)^p) (Xyce's sign, not
 *          Prodromakis's +3/4), 4 exp(-exp((X - aoff s)/(wc s))) for I >= 0,
 *          exp(-exp(-(X - aon s)/(wc s))) for I < 0.  D, j are in X's units.
 *          Within 1e-6 of the range of the bound ahead the rate ramps to 0
 *          (TEAM_EDGE): an implicit step then has its root inside, as every
 *          window but the vanishing ones would let Xyce's state pass xon
 *          and xoff.  The state starts at x0 (Xyce's starts at 0: it has no
 *          initial-state parameter).  Defaults Xyce's: kon -8e-13, koff 8e-13,
 *          alphaon/off 3, xon 0, xoff 3e-9, ron 50, roff 1k, ion 8.9e-6 (so
 *          ion must be given), ioff 1.15e-4, xscaling 1, D, p, j 1.15e-4,
 *          aon 0, aoff 3e-9, wc 1.07e-12, wt 0, x0 0
 * level 3  Xyce's Yakopcic: the equations above (Xyce writes the window
 *          choice as eta v > 0, the same for vp, vn >= 0); xo is the initial
 *          state, xscaling is read and, as in Xyce, used nowhere; defaults
 *          Xyce's: a1 a2 b ap an alphap alphan xp xn eta 1, vp 0.01,
 *          vn -0.01 (so vn, xp, xn must be given), xo 0
 * level 7  VTEAM (Kvatinsky et al., IEEE TCAS-II 2015), voltage thresholds
 *          von < 0 < voff, as TEAM with v, von, voff in place of I, ion, ioff
 *          defaults Ron 1k, Roff 10k, von -0.3, voff 0.3, kon 1e3, koff 1e3
 *          (1/s), alphaon 3, alphaoff 3, p 1, iv 0, x0 0.5
 * level 5  Knowm mean metastable switch (MMS; Molter & Nugent 2016), the
 *          volatile device of the memristive integrate-and-fire neuron:
 *          g = ((1 - x) sig((v - Von)/kT) - x sig((Voff - v)/kT)) / tau,
 *          G = x / Ron + (1 - x) / Roff,  I = G v,  sig(s) = 1 / (1 + exp(-s))
 *          defaults (MEMprop's MIF neuron): Ron 1k, Roff 100k, Von 0.11,
 *          Voff 0.005, kT 0.015, tau 100u, x0 0.0238
 * level 6  Stanford-PKU RRAM (Yu & Wong; Jiang et al., 2016), the filament
 *          gap gap = gmax - (gmax - gmin) x:
 *          I = I0 exp(-gap/g0) sinh(v/V0)
 *          g = nu0/(gmax - gmin) exp(-Ea/kT) sinh(gam a0 v / (tox kT)) Win(x),
 *          gam = gam0 - beta (gap/1nm)^3, kT = 0.025852 eV (300 K)
 *          (parameter names: i0 g0 v0 gmin gmax nu0 ea a0 tox gam0 beta p)
 *          defaults I0 1m, g0 0.25n, V0 0.25, gmin 0.1n, gmax 1.7n, nu0 10
 *          (m/s), Ea 0.6 (eV), a0 0.25n, tox 12n, gam0 16, beta 0.8, p 5, x0 0.1
 */
#ifndef MS_MEMRISTOR_MODELS_H
#define MS_MEMRISTOR_MODELS_H

#include "device.h"
#include "dual.h"

enum {
    MP_RON, MP_ROFF, MP_D, MP_UV, MP_P, MP_WINDOW, MP_J, MP_VON, MP_VOFF, MP_TAU, MP_KT, MP_X0,
    MP_ION, MP_IOFF, MP_KON, MP_KOFF, MP_AON, MP_AOFF, MP_IV,   /* TEAM, VTEAM (MP_AON: alphaon) */
    MP_A1, MP_A2, MP_B, MP_AP, MP_AN, MP_VP, MP_VN, MP_ALPHAP, MP_ALPHAN, MP_XP, MP_XN, MP_ETA,  /* Yakopcic */
    MP_I0, MP_G0, MP_V0, MP_GMIN, MP_GMAX, MP_NU0, MP_EA, MP_A0, MP_TOX, MP_GAM0, MP_BETA,      /* Stanford-PKU */
    MP_XON, MP_XOFF, MP_XSCALING, MP_WT, MP_WC, MP_WAON, MP_WAOFF,   /* Xyce's TEAM (MP_WAON: aon) */
    MP_COUNT
};

enum { MS_MEM_FAULT_NONE = 0, MS_MEM_FAULT_SA0 = 1, MS_MEM_FAULT_SA1 = 2 };

typedef struct MsMemModel {
    int level;
    int xyce;              /* 1: Xyce's form of the level (2 TEAM, 3 Yakopcic), see memristor_xyce.c */
    double par[MP_COUNT];
    double level_given;    /* level= as read (model card only) */
    double xyce_given;     /* xyce= as read (model card only; -1 not given) */
} MsMemModel;

/* Stick one memristor instance (of ms_dev_memristor) at a fault, or read its fault. */
void ms_memristor_set_fault(void *inst, int fault);
int ms_memristor_fault(const void *inst);
extern const MsDevType ms_dev_memristor;

/* Read a .model ... MEMRISTOR card: level first, its defaults, then the values. */
int ms_mem_model_read(MsElab *el, const MsModelDef *md, MsMemModel *m);
/* Instance overrides name=value in tokens [first, last) (md: m's .model). */
int ms_mem_params_read(MsElab *el, const MsCard *c, int first, int last, const MsModelDef *md, MsMemModel *m);
/* Reject values the equations cannot take (at token t). */
int ms_mem_model_check(MsElab *el, const MsToken *t, const MsMemModel *m);
/* Parameter index (into par) by name, -1 if unknown or not trainable. */
int ms_mem_param_index(const char *name);
/* 1 if par[k] may be trained. */
int ms_mem_param_trainable(int k);

/* 1 if the rate g at state x points further out of [0, 1] from a bound
 * or beyond it: every level's g is then 0 (see "Bounds" above). */
int ms_mem_rate_outward(double x, double g);
/* The state's physical range [lo, hi]: [0, 1], or Xyce's TEAM's
 * [xon, xoff] * xscaling. */
void ms_mem_range(const MsMemModel *m, double *lo, double *hi);
/* The state of the low-resistance (on, sa1) and high-resistance (off, sa0)
 * ends of the range. */
double ms_mem_state_on(const MsMemModel *m);
double ms_mem_state_off(const MsMemModel *m);
/* I(v, x) and g(v, x) = dx/dt: d[0] = d/dv, d[1] = d/dx, d[2] = d/dpar[seed]
 * (seed < 0: no parameter derivative). */
void ms_mem_eval(const MsMemModel *m, int seed, double v, double x, Dual *I, Dual *g);
/* The same without a parameter derivative, hand-differentiated for the
 * levels simulated most (1 and 5): I = {I, dI/dv, dI/dx}, g likewise.
 * Returns 0 for the other levels (use ms_mem_eval). */
int ms_mem_eval_fast(const MsMemModel *m, double v, double x, double I[3], double g[3]);

#endif
