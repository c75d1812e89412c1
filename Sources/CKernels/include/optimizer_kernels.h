#ifndef REK_OPTIMIZER_KERNELS_H
#define REK_OPTIMIZER_KERNELS_H

/// One Keras Adam step over `count` weights:
/// m += (g − m)(1 − β1); v += (g² − v)(1 − β2); w −= stepSize · m / (√v + ε),
/// where `stepSize = lr · √(1 − β2ᵗ) / (1 − β1ᵗ)` is computed by the caller.
void rek_adam_update(long count, float *w, const float *g, float *m, float *v,
                     float stepSize, float oneMinusBeta1, float oneMinusBeta2, float epsilon);

#endif
