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

#ifdef __cplusplus
}
#endif

#endif
