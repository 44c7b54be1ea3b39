/* registry.c — every device kind memspice knows, by element letter. */
#include "registry.h"
#include "device.h"

extern const MsDevType ms_dev_bsource, ms_dev_bresistor, ms_dev_evalue, ms_dev_gvalue, ms_dev_resistor, ms_dev_capacitor, ms_dev_inductor, ms_dev_vsource,
    ms_dev_isource, ms_dev_memristor, ms_dev_vcvs, ms_dev_vccs, ms_dev_cccs, ms_dev_ccvs, ms_dev_diode, ms_dev_mutual, ms_dev_vswitch, ms_dev_cswitch;

static const MsDevType *const all[] = {
    &ms_dev_bsource, &ms_dev_bresistor, &ms_dev_evalue, &ms_dev_gvalue, &ms_dev_resistor, &ms_dev_capacitor, &ms_dev_inductor, &ms_dev_vsource, &ms_dev_isource,
    &ms_dev_vcvs, &ms_dev_vccs, &ms_dev_cccs, &ms_dev_ccvs, &ms_dev_diode, &ms_dev_memristor, &ms_dev_mutual,
    &ms_dev_vswitch, &ms_dev_cswitch, NULL,
};

const MsDevType *ms_dev_by_letter(char letter)
{
    for (int i = 0; all[i]; i++)
        if (all[i]->letter == letter)
            return all[i];
    return NULL;
}

const MsDevType *const *ms_dev_all(void) { return all; }

const MsDevType *ms_dev_for_card(const MsCard *card)
{
    char letter = card->tok[0].s[0];
    for (int i = 0; all[i]; i++)
        if (all[i]->letter == letter && (!all[i]->claims || all[i]->claims(card)))
            return all[i];
    return NULL;
}
