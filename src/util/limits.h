/* limits.h — the bounds memspice puts on what a netlist can make it do.
 *
 * A hostile or broken netlist must end in a clear error, never in a stack
 * overflow, an endless loop or memory exhaustion.  Each bound sits far above
 * what real decks need (784-400-10 training networks: 0.64 M elements, 34 MB
 * of text; behavioral sums of a few thousand terms). */
#ifndef MS_LIMITS_H
#define MS_LIMITS_H

/* a bound's value inside a message string */
#define MS_STR_(x) #x
#define MS_STR(x) MS_STR_(x)

/* bytes of one netlist, .include or .lib file */
#define MS_MAX_FILE_BYTES (256L * 1024 * 1024)
/* nested .include/.lib files */
#define MS_MAX_INCLUDE_DEPTH 32
/* nested subcircuit instances, and elements once they are flattened */
#define MS_MAX_SUBCKT_DEPTH 64
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define MS_MAX_ELEMENTS 20000000L
#else   /* the fuzzer's build (tests/fuzz): the same checks, bounds that a unit passes in milliseconds */
#define MS_MAX_ELEMENTS 100000L
#endif
/* .params whose definitions use ones defined after them, in a chain */
#define MS_MAX_PARAM_DEPTH 1000
/* brackets, unary operators and ternaries nested in one expression */
#define MS_MAX_EXPR_NESTING 256
/* height of an expression tree (a sum of 4000 terms is 4000 high) */
#define MS_MAX_EXPR_HEIGHT 4096
/* operations one expression may expand to once its .func calls are inlined,
 * and how deep evaluating it may recurse through them */
#define MS_MAX_EXPR_WORK 2000000
#define MS_MAX_EXPR_DEPTH 8192
/* .func calls, or trainable .param definitions, inlined in one another */
#define MS_MAX_INLINE_DEPTH 64
/* time steps of one transient, and values it may store (points x vectors:
 * 8 GB of doubles) */
#define MS_MAX_STEPS 1000000000L
#define MS_MAX_STORED_VALUES 1000000000L
/* frequencies of one .ac sweep (one complex factorisation each) */
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define MS_MAX_AC_POINTS 10000000L
#else
#define MS_MAX_AC_POINTS 10000L
#endif
/* operating points of one .dc sweep (both sweeps' values multiplied) */
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define MS_MAX_DC_POINTS 100000000L
#else
#define MS_MAX_DC_POINTS 100000L
#endif
/* waveform corners (PULSE edges) one transient steps onto */
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define MS_MAX_BREAKS 50000000
#else
#define MS_MAX_BREAKS 100000
#endif
/* samples of one TRNOISE source's 1/f sequence, and switching instants of
 * its telegraph process, precomputed up to tstop (the 1/f FFT works on
 * twice as many complex values: 2^21 samples take 64 MB while generated,
 * 16 MB kept) */
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define MS_MAX_NOISE_TABLE 2097152
#else
#define MS_MAX_NOISE_TABLE 16384
#endif
/* those values of all a netlist's TRNOISE sources (many instances of a
 * subcircuit with one): 512 MB */
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define MS_MAX_NOISE_TOTAL 67108864
#else
#define MS_MAX_NOISE_TOTAL 65536
#endif

/* .meas cards in one netlist: each is evaluated over every stored point
 * (and names are checked against the ones before it) */
#define MS_MAX_MEASURES 10000

/* Neurons of a direct-column network on the batched engine: every thread solves
 * the membranes of a sample as one dense system, M x M doubles (4096: 128 MB). */
#define MS_MAX_DIRECT_NEURONS 4096

#endif
