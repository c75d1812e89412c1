#ifndef REK_OPTIMIZER_KERNELS_H
#define REK_OPTIMIZER_KERNELS_H

/// One Keras Adam step over `count` weights, reading w, g, m, v and writing the results to
/// newW, newM, newV (each may equal its input for an in-place step):
/// m' = m + (g − m)(1 − β1); v' = v + (g² − v)(1 − β2); w' = w − stepSize · m' / (√v' + ε),
/// where `stepSize = lr · √(1 − β2ᵗ) / (1 − β1ᵗ)` is computed by the caller.
/// Returns 1 when any written value (weight or moment) is NaN or infinite, else 0: the check is an
/// OR-reduction folded into the same pass, so a caller writing to separate buffers can refuse the
/// step and keep its previous weights and moments untouched.
int rek_adam_update(long count, const float *w, const float *g, const float *m, const float *v,
                    float *newW, float *newM, float *newV,
                    float stepSize, float oneMinusBeta1, float oneMinusBeta2, float epsilon);

/// `rek_adam_update` on one code path, for tests: 512 (AVX-512), 256 (AVX2/FMA) or 0 (portable).
/// Returns -1, writing nothing, when this CPU lacks the path.
int rek_adam_update_on_path(int path, long count, const float *w, const float *g, const float *m, const float *v,
                            float *newW, float *newM, float *newV,
                            float stepSize, float oneMinusBeta1, float oneMinusBeta2, float epsilon);

/// The index of the first NaN or infinite value among `count` floats, or -1 when all are finite.
long rek_first_nonfinite(long count, const float *x);

#endif
