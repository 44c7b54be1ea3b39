/* waveform.h — independent source waveforms: DC, PULSE, PWL, SIN, EXP
 * (ngspice semantics and defaults). */
#ifndef MS_WAVEFORM_H
#define MS_WAVEFORM_H

#include <stdint.h>

typedef enum { WF_DC, WF_PULSE, WF_PWL, WF_SIN, WF_EXP, WF_TRNOISE, WF_TRRANDOM } MsWaveKind;

typedef struct MsWave {
    MsWaveKind kind;
    double dc;          /* DC value (".op" and t < 0); has_dc: given explicitly */
    int has_dc;
    double p[8];        /* PULSE v1 v2 td tr tf pw per np / SIN vo va f td theta phase / EXP v1 v2 td1 tau1 td2 tau2
                         * / TRNOISE na nt nalpha namp rtsam rtscapt rtsemt / TRRANDOM type ts td param1 param2 */
    int np;             /* number of p[] values given */
    double *t, *v;      /* PWL points */
    int npts;
    double repeat;      /* PWL r= repeat start time, < 0 none */
    double td;          /* PWL td= delay */
    uint64_t stream;    /* TRNOISE, TRRANDOM: the source's random stream (noise_wave.h) */
    double *onef;       /* TRNOISE 1/f part: its samples 0..nonef-1 up to tstop (noise_onef.h), owned */
    long nonef;
    double *rts;        /* TRNOISE telegraph part: its switching instants up to tstop (noise_rts.h), owned */
    long nrts;
    double ac_mag, ac_phase;   /* small-signal phasor of `AC mag [phase]` (phase in degrees); 0 if none */
    int has_ac;                /* AC given: an override with it replaces the netlist's phasor too */
} MsWave;

/* Fill the defaults that depend on the analysis (ngspice: tr, tf = tstep,
 * pw, per = tstop, ...).  Returns 0, or -1 with a message if inconsistent. */
int ms_wave_finish(MsWave *w, double tstep, double tstop, const char **why);
double ms_wave_eval(const MsWave *w, double t);
/* Value used by a .op analysis: the DC value if given, else the value at t=0. */
double ms_wave_dc(const MsWave *w);
struct MsBreaks;
void ms_wave_breaks(const MsWave *w, double tstop, struct MsBreaks *bp);
/* The waveform's level, the value that `.trainable` trains: the DC value,
 * PULSE v2, SIN va, EXP v2; NULL for PWL. */
double *ms_wave_level(MsWave *w);
/* d value(t) / d level (every waveform is affine in its level). */
double ms_wave_dlevel(const MsWave *w, double t, int dc_op);
/* The real (imag = 0) or imaginary part of the AC phasor mag e^{j phase}. */
double ms_wave_ac(const MsWave *w, int imag);
void ms_wave_free(MsWave *w);
void ms_wave_copy(MsWave *dst, const MsWave *src);

#endif
