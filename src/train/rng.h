/* rng.h — counter-based random numbers for training: every draw is a hash
 * of (seed, stream, index), so shuffles, rate-coded spikes and fault sets
 * do not depend on the thread count or on where a run was resumed. */
#ifndef MS_TRAIN_RNG_H
#define MS_TRAIN_RNG_H

#include <stdint.h>

static inline uint64_t ms_mix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t ms_hash3(uint64_t seed, uint64_t stream, uint64_t index)
{
    return ms_mix64(ms_mix64(ms_mix64(seed) ^ stream) ^ index);
}

/* uniform in [0, 1) */
static inline double ms_uniform3(uint64_t seed, uint64_t stream, uint64_t index)
{
    return (double)(ms_hash3(seed, stream, index) >> 11) * 0x1.0p-53;
}

/* Streams, so that no two uses share draws. */
enum { MS_RNG_SHUFFLE = 1, MS_RNG_SPIKES, MS_RNG_FAULT, MS_RNG_FAULT_KIND, MS_RNG_NOISE, MS_RNG_INPUT_NOISE,
       MS_RNG_SPLIT, MS_RNG_AUGMENT };

#endif
