#ifndef REK_CONVOLUTION_KERNELS_H
#define REK_CONVOLUTION_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// The geometry of a 2-D convolution on channels-last images: an image of height × width ×
/// channels is read by a kernelHeight × kernelWidth window moved by (strideY, strideX), after
/// padTop/padLeft zero rows/columns, giving outHeight × outWidth windows. The window's taps are
/// (dilationY, dilationX) pixels apart (1, 1 for a plain convolution), so it spans
/// (kernelHeight − 1)·dilationY + 1 rows. A 1-D convolution is a window of height 1 on images of
/// height 1.
typedef struct {
    long height, width, channels;
    long kernelHeight, kernelWidth;
    long strideY, strideX;
    long dilationY, dilationX;
    long padTop, padLeft;
    long outHeight, outWidth;
} rek_conv_geometry;

/// Unfolds images `first ..< last` of a batch into patch rows ("im2col"): row
/// `(n·outHeight + oy)·outWidth + ox` holds the window at (oy, ox) of image n as
/// kernelHeight·kernelWidth·channels floats in (ky, kx, c) order, tap (ky, kx) read from pixel
/// (oy·strideY − padTop + ky·dilationY, ox·strideX − padLeft + kx·dilationX), zeros where the
/// window hangs over the padding. `images` and `columns` point at the start of the whole batch.
void rek_im2col(const rek_conv_geometry *g, const float *images, long first, long last, float *columns);

/// The adjoint of `rek_im2col` ("col2im"): overwrites images `first ..< last` with the sum of every
/// patch row's entries at the pixels they were read from (padding entries are dropped). The sum
/// runs in a fixed order, so results do not depend on how the batch is split.
void rek_col2im(const rek_conv_geometry *g, const float *columns, long first, long last, float *images);

/// A convolution with one filter, without unfolding: for images `first ..< last`, output window
/// (oy, ox) of image n (at `outputs + n·outHeight·outWidth`) = `bias` + the dot product of the
/// window's taps with `kernel` (kernelHeight·kernelWidth·channels floats, (ky, kx, c) order, Keras'
/// layout of a one-filter kernel). Equal to `rek_im2col` followed by a matrix-vector product, up to
/// the order of the sums.
void rek_conv_single_filter_forward(const rek_conv_geometry *g, const float *images, long first, long last,
                                    const float *kernel, float bias, float *outputs);

/// The gradient of `rek_conv_single_filter_forward` with respect to its images: overwrites images
/// `first ..< last` of `inputGradients` with Σ over windows of the window's output gradient times
/// `kernel`, each added at the pixels the window read (padding dropped), windows in row-major order.
void rek_conv_single_filter_input_gradient(const rek_conv_geometry *g, const float *outputGradients, long first,
                                           long last, const float *kernel, float *inputGradients);

/// The gradient with respect to the kernel: adds Σ over images `first ..< last` and their windows
/// (in that order) of the window's output gradient times the window's taps into `kernelGradient`.
void rek_conv_single_filter_kernel_gradient(const rek_conv_geometry *g, const float *images,
                                            const float *outputGradients, long first, long last,
                                            float *kernelGradient);

/// A transposed convolution's forward pass without patch rows: overwrites images `first ..< last`
/// (the geometry's images: the output, `channels` floats per pixel) with `rek_col2im` of the patch
/// rows inputs·kernelᵀ, where `inputs` holds outHeight·outWidth windows of `inChannels` floats per
/// image and `kernel` is kernelHeight·kernelWidth·inChannels·channels floats in (ky, kx, c, f)
/// order; bit for bit what the SIMD matrix product followed by `rek_col2im` gives. Returns 1, or 0
/// having written nothing where it does not apply (the portable path, more than 256 input channels,
/// output channels not a multiple of the vector width or above 4 vectors): then use that pair.
int rek_conv_transpose_forward(const rek_conv_geometry *g, long inChannels, const float *inputs, long first,
                               long last, const float *kernel, float *images);

#ifdef __cplusplus
}
#endif

#endif
