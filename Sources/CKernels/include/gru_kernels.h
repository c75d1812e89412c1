#ifndef REK_GRU_KERNELS_H
#define REK_GRU_KERNELS_H

// The fused GRU cell (gru.c): the element-wise work of one time step for `batch` rows, Keras gate
// order z, r, h, activation codes as in lstm_kernels.h. The recurrent matrix products stay with the
// caller. Every array has its own row stride so strided views of sequences work; `dh` is contiguous
// (`units` floats a row).

/// One step with the reset gate after the recurrent product (Keras `reset_after=True`).
///
/// `z` holds the input projections `x·kernel + inputBias` `[batch, 3·units]` and `p` the recurrent
/// products `hPrev·recurrentKernel + recurrentBias`. Overwrites `z` with the gates
/// `z = rec(z_z + p_z)`, `r = rec(z_r + p_r)` and the candidate `ĥ = act(z_h + r·p_h)`, copies `p_h`
/// to `pCandidate` (for the backward step; may be NULL) and writes `hNext = z·hPrev + (1 − z)·ĥ`.
void rek_gru_cell_forward(long batch, long units, int activation, int recurrentActivation,
                          float *z, long ldz, const float *p, long ldp, float *pCandidate, long ldpCandidate,
                          const float *hPrev, long ldhPrev, float *hNext, long ldhNext);

/// The first half of a step with the reset gate before the recurrent product (`reset_after=False`).
///
/// `z`'s z and r blocks hold `x·kernel + bias + hPrev·recurrentKernel`; they are overwritten with the
/// gates, and `resetState = r·hPrev` (`[batch, units]`) is written for the candidate's product.
void rek_gru_reset_forward(long batch, long units, int recurrentActivation, float *z, long ldz,
                           const float *hPrev, long ldhPrev, float *resetState, long ldResetState);

/// The second half (`reset_after=False`): `z`'s h block holds the candidate's pre-activation and is
/// overwritten with `ĥ = act(.)`; writes `hNext = z·hPrev + (1 − z)·ĥ` from the gates already in `z`.
void rek_gru_candidate_forward(long batch, long units, int activation, float *z, long ldz,
                               const float *hPrev, long ldhPrev, float *hNext, long ldhNext);

/// The backward step of `rek_gru_cell_forward`.
///
/// Reads the gates (`z, r, ĥ` from the forward step), `pCandidate`, `hPrev`, and the gradient
/// flowing into h: `dh` (∂loss/∂h from the later step) plus `dhExternal` (may be NULL). Writes
/// ∂loss/∂(input projections) into `dz` `[batch, 3·units]`, ∂loss/∂p into `dp` `[batch, 3·units]`
/// (its z and r blocks equal `dz`'s), and replaces `dh` with `z·∂loss/∂h`, the direct share of
/// ∂loss/∂hPrev (the caller adds `dp·recurrentKernelᵀ`).
void rek_gru_cell_backward(long batch, long units, int activation, int recurrentActivation,
                           const float *gates, long ldg, const float *pCandidate, long ldpCandidate,
                           const float *hPrev, long ldhPrev, const float *dhExternal, long lddhExternal,
                           float *dh, float *dz, long lddz, float *dp, long lddp);

/// The backward step of `rek_gru_candidate_forward` (`reset_after=False`): from `dh` plus
/// `dhExternal` (may be NULL), writes ∂loss/∂(pre-activation) of the z and h blocks of `dz` and
/// replaces `dh` with `z·∂loss/∂h`. The r block is `rek_gru_reset_backward`'s, once the caller has
/// formed ∂loss/∂(r·hPrev) = dz_h·recurrentKernel_hᵀ.
void rek_gru_update_backward(long batch, long units, int activation, int recurrentActivation,
                             const float *gates, long ldg, const float *hPrev, long ldhPrev,
                             const float *dhExternal, long lddhExternal, float *dh, float *dz, long lddz);

/// The backward step of `rek_gru_reset_forward`: from `dResetState` = ∂loss/∂(r·hPrev), writes the
/// r block of `dz` (`dResetState·hPrev·rec'(r)`) and adds `dResetState·r` to `dh`.
void rek_gru_reset_backward(long batch, long units, int recurrentActivation, const float *gates, long ldg,
                            const float *hPrev, long ldhPrev, const float *dResetState, long lddResetState,
                            float *dh, float *dz, long lddz);

#endif
