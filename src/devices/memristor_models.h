/* memristor_models.h — memristor model equations (levels) and parameters.
 *
 * level 1  HP linear ion drift (Strukov et al., Nature 2008) with a window:
 *          R = Ron x + Roff (1 - x),  I = v / R,
 *          dx/dt = uv Ron / D^2 * I * F(x, I)
 *          window=0 none; 1 Joglekar: 1 - (2x - 1)^(2p);
 *          2 Biolek (default): 1 - (x - stp(-I))^(2p);  3 Prodromakis: j (1 - ((x - 1/2)^2 + 3/4)^p)
 *          defaults Ron 100, Roff 16k, D 10 nm, uv 1e-14 m^2/(V s), p 1, x0 0.1
 * level 5  Knowm mean metastable switch (MMS; Molter & Nugent 2016), the
 *          volatile device of the memristive integrate-and-fire neuron:
 *          dx/dt = ((1 - x) sig((v - Von)/kT) - x sig((Voff - v)/kT)) / tau,
 *          G = x / Ron + (1 - x) / Roff,  I = G v,  sig the logistic function
 *          defaults (MEMprop's MIF neuron): Ron 1k, Roff 100k, Von 0.11 V,
 *          Voff 0.005 V, kT 0.015 V, tau 100 us, x0 0.0238
 * Levels 2 (TEAM), 3 (Yakopcic), 4 (VTEAM) and 6 (Stanford-PKU) are not
 * implemented yet and are reported as such. */
#ifndef MS_MEMRISTOR_MODELS_H
#define MS_MEMRISTOR_MODELS_H

#include "device.h"
#include "dual.h"

enum {
    MP_RON, MP_ROFF, MP_D, MP_UV, MP_P, MP_WINDOW, MP_J, MP_VON, MP_VOFF, MP_TAU, MP_KT, MP_X0,
    MP_COUNT
};

enum { MS_MEM_FAULT_NONE = 0, MS_MEM_FAULT_SA0 = 1, MS_MEM_FAULT_SA1 = 2 };

typedef struct MsMemModel {
    int level;
    double par[MP_COUNT];
    double level_given;    /* level= as read (model card only) */
} MsMemModel;

/* Read a .model ... MEMRISTOR card: level first, its defaults, then the values. */
int ms_mem_model_read(MsElab *el, const MsModelDef *md, MsMemModel *m);
/* Instance overrides name=value in tokens [first, last). */
int ms_mem_params_read(MsElab *el, const MsCard *c, int first, int last, MsMemModel *m);
/* Reject values the equations cannot take (at token t). */
int ms_mem_model_check(MsElab *el, const MsToken *t, const MsMemModel *m);
/* Parameter index by name, -1 if unknown; and whether it may be trained. */
int ms_mem_param_index(const char *name);

/* I(v, x) and g(v, x) = dx/dt: d[0] = d/dv, d[1] = d/dx, d[2] = d/dpar[seed]
 * (seed < 0: no parameter derivative). */
void ms_mem_eval(const MsMemModel *m, int seed, double v, double x, Dual *I, Dual *g);

#endif
