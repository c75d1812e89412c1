#ifndef REK_LSTM_KERNELS_H
#define REK_LSTM_KERNELS_H

/// Activation codes shared with Swift's `Activation` (element-wise ones only).
enum {
    REK_LINEAR = 0,
    REK_RELU = 1,
    REK_TANH = 2,
    REK_SIGMOID = 3,
    REK_HARD_SIGMOID = 4  /* Keras 2: clip(0.2x + 0.5, 0, 1) */
};

/// One LSTM time step for `batch` rows, Keras gate order i, f, c, o.
///
/// `z` holds the pre-activations `[batch, 4·units]` (row stride `ldz`) and is overwritten with the
/// gate activations. Writes `cNext = f·cPrev + i·act(z_c)`, `cellAct = act(cNext)` and
/// `h = o·cellAct`. Every array has its own row stride so strided views of sequences work.
void rek_lstm_cell_forward(long batch, long units, int activation, int recurrentActivation,
                           float *z, long ldz, const float *cPrev, long ldcPrev,
                           float *cNext, long ldcNext, float *cellAct, long ldAct, float *h, long ldh);

/// The matching backward step.
///
/// Reads the gate activations `gates` (from the forward pass), `cPrev`, `cellAct`, the gradient
/// flowing into h (`dhExternal`, may be NULL, plus `dh`), and `dc` (∂loss/∂c from the later step).
/// Writes ∂loss/∂z into `dz` and replaces `dc` with ∂loss/∂cPrev.
void rek_lstm_cell_backward(long batch, long units, int activation, int recurrentActivation,
                            const float *gates, long ldg, const float *cPrev, long ldcPrev,
                            const float *cellAct, long ldAct, const float *dhExternal, long lddhExternal,
                            const float *dh, float *dc, float *dz, long lddz);

/// Applies an element-wise activation in place to `count` floats.
void rek_activation_forward(int activation, float *x, long count);
/// result[j] = gradient[j] · activation'(.), the derivative computed from the activation's output
/// (element-wise activations). `result` may be `gradient` itself.
void rek_activation_backward(int activation, const float *gradient, const float *output, float *result, long count);

#endif
