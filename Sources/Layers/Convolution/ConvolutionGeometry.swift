import CKernels
import Tensor

/// Where a 2-D convolution's windows fall on a channels-last image, and the unfolding (im2col) and
/// folding (col2im) between a batch of images and its patch rows, which turn convolutions into
/// matrix products. `Conv2D` unfolds its input; `Conv2DTranspose`, the adjoint, folds into its output.
struct ConvolutionGeometry {
    /// The image side: `[height, width, channels]`, the windows, strides, leading padding, and the
    /// window grid `[outHeight, outWidth]`.
    var raw: rek_conv_geometry

    /// The window grid a convolution of `kernel`, `strides` and `padding` lays on an image of
    /// `imageShape` (`[height, width, channels]`).
    init(image imageShape: [Int], kernel: [Int], strides: [Int], padding: Padding, layer: String) throws {
        guard imageShape.count == 3, imageShape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.incompatibleInput(layer: layer, expected: "[height, width, channels]", received: imageShape)
        }
        let rows = try padding.window(input: imageShape[0], kernel: kernel[0], stride: strides[0], layer: layer, inputShape: imageShape)
        let columns = try padding.window(input: imageShape[1], kernel: kernel[1], stride: strides[1], layer: layer, inputShape: imageShape)
        self.init(image: imageShape, kernel: kernel, strides: strides, padBefore: [rows.padBefore, columns.padBefore],
                  grid: [rows.outputSize, columns.outputSize])
    }

    /// A geometry given in full (a transposed convolution's, whose image size is chosen first).
    init(image imageShape: [Int], kernel: [Int], strides: [Int], padBefore: [Int], grid: [Int]) {
        raw = rek_conv_geometry(height: imageShape[0], width: imageShape[1], channels: imageShape[2],
                                kernelHeight: kernel[0], kernelWidth: kernel[1], strideY: strides[0], strideX: strides[1],
                                padTop: padBefore[0], padLeft: padBefore[1], outHeight: grid[0], outWidth: grid[1])
    }

    /// `[height, width, channels]` of the image.
    var imageShape: [Int] { [raw.height, raw.width, raw.channels] }
    /// Windows per image.
    var windowCount: Int { raw.outHeight * raw.outWidth }
    /// Floats in one patch row: `kernelHeight · kernelWidth · channels`.
    var patchSize: Int { raw.kernelHeight * raw.kernelWidth * raw.channels }
    /// Floats in one image.
    var imageSize: Int { raw.height * raw.width * raw.channels }

    /// Unfolds `batch` images into `batch · windowCount` patch rows of `patchSize`.
    func unfold(_ images: UnsafePointer<Float>, batch: Int, into columns: UnsafeMutablePointer<Float>) {
        var geometry = raw
        forEachBand(batch) { band in rek_im2col(&geometry, images, band.lowerBound, band.upperBound, columns) }
    }

    /// Overwrites `batch` images with the fold (adjoint of ``unfold(_:batch:into:)``) of patch rows.
    func fold(_ columns: UnsafePointer<Float>, batch: Int, into images: UnsafeMutablePointer<Float>) {
        var geometry = raw
        forEachBand(batch) { band in rek_col2im(&geometry, columns, band.lowerBound, band.upperBound, images) }
    }

    /// Images in bands, one per thread: each image is written by one thread, so results are
    /// identical for every thread count.
    private func forEachBand(_ batch: Int, _ body: (Range<Int>) -> Void) {
        let work = batch * windowCount * patchSize
        let threads = work < 65_536 ? 1 : Parallel.availableThreads
        let bands = Parallel.partition(batch, into: threads)
        Parallel.forEach(bands.count) { body(bands[$0]) }
    }
}

extension Array where Element == Int {
    /// Two positive sizes (a kernel, stride or pool given as `[rows, columns]`), else an error.
    func checkedPair(_ argument: String, layer: String) throws -> [Int] {
        guard count == 2, allSatisfy({ $0 > 0 }) else {
            throw LayerError.invalidArgument(layer: layer, argument: argument, value: "\(self)", expected: "two positive integers")
        }
        return self
    }
}
