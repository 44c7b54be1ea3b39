/* model_cases.c — the cases of `memspice check --model`: a device model's
 * native memspice implementation against its reference subcircuit (the
 * ngspice-compatible description of the same equations, kept in models/),
 * under one drive.  memspice simulates drive + native, ngspice simulates
 * drive + reference, and the signals are compared as in any check.
 *
 * Adding a model = adding a row.  Fragments share the nodes the drive
 * names; "@MODELS@" is replaced by the models directory, so a reference is
 * usually ".include @MODELS@/<file>" plus its instance line.  A row for a
 * native memristor would look like
 *     {"memristor_xyz", "...",
 *      "Y1 a 0 mxyz\n.model mxyz memristor(...)\n",
 *      ".include @MODELS@/memristor_xyz.lib\nX1 a 0 memristor_xyz\n",
 *      "V1 in 0 SIN(0 1.2 1k)\nR1 in a 1k\n.tran 1u 3m\n", "v(a),i(v1)"}
 *
 * Cases: a diode whose series resistance is the model parameter RS against
 * an RS-free diode and a resistor, and every memristor level against its
 * reference subcircuit in models/memristors.lib, each driven by a sine
 * through a series resistor (drives and steps as in tests/models/). */
#include "crosscheck.h"

#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

const MsModelCase ms_model_cases[] = {
    {
        "diode_rs",
        "diode with series resistance (RS=25) vs. a subcircuit: resistor + RS-free diode",
        "D1 a 0 dnat\n"
        ".model dnat D(is=1e-14 n=1.05 rs=25 cjo=2p tt=5n)\n",
        ".subckt diode_rs_ref p n\n"
        "R1 p j 25\n"
        "D1 j n djunc\n"
        ".model djunc D(is=1e-14 n=1.05 cjo=2p tt=5n)\n"
        ".ends\n"
        "XD1 a 0 diode_rs_ref\n",
        "V1 in 0 SIN(0 2 10k)\n"
        "R1 in a 100\n"
        ".tran 0.2u 300u\n",
        "v(a),i(v1)",
    },
    {
        "memristor_hp",
        "HP memristor with Biolek window (level 1) vs memr_hp",
        "Ymemristor m1 a 0 mdev\n"
        ".model mdev memristor level=1\n",
        ".include @MODELS@/memristors.lib\n"
        "X1 a 0 memr_hp\n",
        "V1 in 0 SIN(0 1.2 0.5)\n"
        "R1 in a 100\n"
        ".tran 2m 4 0 2m uic\n",
        "v(a),i(v1)",
    },
    {
        "memristor_team",
        "TEAM memristor (level 2) vs memr_team",
        "Ymemristor m1 a 0 mdev\n"
        ".model mdev memristor level=2\n",
        ".include @MODELS@/memristors.lib\n"
        "X1 a 0 memr_team\n",
        "V1 in 0 SIN(0.015 1.375 1k)\n"
        "R1 in a 1\n"
        ".tran 1u 3m 0 0.05u uic\n",
        "v(a),i(v1)",
    },
    {
        "memristor_yakopcic",
        "Yakopcic memristor (level 3) vs memr_yakopcic",
        "Ymemristor m1 a 0 mdev\n"
        ".model mdev memristor level=3\n",
        ".include @MODELS@/memristors.lib\n"
        "X1 a 0 memr_yakopcic\n",
        "V1 in 0 SIN(0 0.5 100)\n"
        "R1 in a 1\n"
        ".tran 10u 20m 0 5u uic\n",
        "v(a),i(v1)",
    },
    {
        "memristor_vteam",
        "VTEAM memristor (level 7) vs memr_vteam",
        "Ymemristor m1 a 0 mdev\n"
        ".model mdev memristor level=7\n",
        ".include @MODELS@/memristors.lib\n"
        "X1 a 0 memr_vteam\n",
        "V1 in 0 SIN(0 0.8 1k)\n"
        "R1 in a 10\n"
        ".tran 1u 2m 0 1u uic\n",
        "v(a),i(v1)",
    },
    {
        "memristor_mms",
        "Knowm MMS memristor (level 5) vs memr_mms",
        "Ymemristor m1 a 0 mdev\n"
        ".model mdev memristor level=5\n",
        ".include @MODELS@/memristors.lib\n"
        "X1 a 0 memr_mms\n",
        "V1 in 0 SIN(0 0.3 5k)\n"
        "R1 in a 10\n"
        ".tran 1u 400u 0 0.25u uic\n",
        "v(a),i(v1)",
    },
    {
        "memristor_pku",
        "Stanford-PKU RRAM (level 6) vs memr_pku",
        "Ymemristor m1 a 0 mdev\n"
        ".model mdev memristor level=6\n",
        ".include @MODELS@/memristors.lib\n"
        "X1 a 0 memr_pku\n",
        "V1 in 0 SIN(0 1.05 10k)\n"
        "R1 in a 100\n"
        ".tran 0.1u 200u 0 0.025u uic\n",
        "v(a),i(v1)",
    },
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

const MsModelCase *ms_model_case_find(const char *name)
{
    for (const MsModelCase *m = ms_model_cases; m->name; m++)
        if (!strcmp(m->name, name))
            return m;
    return NULL;
}

/* s with every "@MODELS@" replaced by dir (malloc'ed). */
static char *subst(const char *s, const char *dir)
{
    const char *key = "@MODELS@";
    size_t nk = strlen(key), nd = strlen(dir), n = 0;
    for (const char *p = strstr(s, key); p; p = strstr(p + nk, key))
        n++;
    char *out = ms_malloc(strlen(s) + n * nd + 1), *o = out;
    for (;;) {
        const char *p = strstr(s, key);
        if (!p)
            break;
        memcpy(o, s, (size_t)(p - s));
        o += p - s;
        memcpy(o, dir, nd);
        o += nd;
        s = p + nk;
    }
    strcpy(o, s);
    return out;
}

void ms_model_case_netlists(const MsModelCase *mc, const char *models_dir, char **ms_text,
                            char **ng_text)
{
    const char *dir = models_dir ? models_dir : "models";
    char *drive = subst(mc->drive, dir), *nat = subst(mc->native, dir), *ref = subst(mc->reference, dir);
    *ms_text = ms_asprintf("model %s: native\n%s%s.end\n", mc->name, drive, nat);
    *ng_text = ms_asprintf("model %s: reference subcircuit\n%s%s.end\n", mc->name, drive, ref);
    free(drive);
    free(nat);
    free(ref);
}
