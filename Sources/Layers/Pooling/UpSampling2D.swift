import Tensor

/// Enlarges images by repeating each pixel (nearest-neighbour upsampling).
///
/// Input `[batch, height, width, channels]` (channels last) → output `[batch, height · size[0],
/// width · size[1], channels]`: every input pixel becomes a `size[0] × size[1]` block of copies. The
/// gradient of a pixel is the sum over its block. No weights. Keras: `UpSampling2D(size=(2, 2),
/// interpolation="nearest")`.
///
///     UpSampling2D()                 // [batch, 7, 7, 32] → [batch, 14, 14, 32]
///     UpSampling2D(size: [2, 3])     // [batch, 4, 5, 2] → [batch, 8, 15, 2]
public final class UpSampling2D: Layer {
    /// UpSampling2D's hyperparameters, read as `upSampling.size`.
    public struct Configuration: LayerConfiguration {
        /// The repeat factors `[rows, columns]` (Keras `size`).
        public var size: [Int]
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "UpSampling2D"
    /// The hyperparameters.
    public var configuration: Configuration

    /// The input shape (batch axis included) of the last `forward`.
    private var inputShape: [Int]?

    /// Creates a layer repeating each pixel `size × size` times: `UpSampling2D(size: 2)`.
    public convenience init(size: Int = 2, name: String = "") {
        self.init(size: [size, size], name: name)
    }

    /// Creates a layer repeating each pixel `size[0]` times down and `size[1]` times across:
    /// `UpSampling2D(size: [2, 3])`.
    public convenience init(size: [Int], name: String = "") {
        self.init(configuration: Configuration(size: size, name: name))
    }

    /// Creates the layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard self.size.count == 2, self.size.allSatisfy({ $0 > 0 }) else {
            throw LayerError.invalidArgument(
                layer: name, argument: "size", value: "\(self.size)", expected: "two positive integers")
        }
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.incompatibleInput(layer: name, expected: "[height, width, channels]", received: inputShape)
        }
        let output = [
            try SizeLimit.scaled(inputShape[0], by: self.size[0], layer: name, tensor: "output height"),
            try SizeLimit.scaled(inputShape[1], by: self.size[1], layer: name, tensor: "output width"), inputShape[2],
        ]
        try SizeLimit.check(output, layer: name, tensor: "output")
        return output
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let shape = try outputShape(for: Array(input.shape.dropFirst()))
        let (batch, height, width, channels) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (sy, sx) = (self.size[0], self.size[1])
        let rowLength = shape[1] * channels
        inputShape = input.shape
        return Tensor(
            shape: [batch] + shape,
            unsafeUninitializedScalars: { out in
                guard batch > 0 else { return }
                input.withUnsafeBufferPointer { x in
                    let (x, out) = (x.baseAddress!, out.baseAddress!)
                    Self.forEachBand(batch * height, work: batch * height * sy * rowLength) { rows in
                        for row in rows {  // row = b · height + i: input row i of sample b
                            // Write the first of the sy output rows, then copy it.
                            let target = out + row &* sy &* rowLength
                            let source = x + row &* width &* channels
                            if channels == 1 {
                                for j in 0..<width {
                                    let value = source[j]
                                    for d in 0..<sx { target[j &* sx &+ d] = value }
                                }
                            } else {
                                var pixel = target
                                for j in 0..<width {
                                    let input = source + j &* channels
                                    for _ in 0..<sx {
                                        for ch in 0..<channels { pixel[ch] = input[ch] }
                                        pixel += channels
                                    }
                                }
                            }
                            for copy in 1..<Swift.max(sy, 1) {
                                (target + copy &* rowLength).update(from: target, count: rowLength)
                            }
                        }
                    }
                }
            })
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let inputShape else { throw LayerError.notBuilt(layer: name) }
        let (batch, height, width, channels) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let (sy, sx) = (self.size[0], self.size[1])
        guard outputGradient.shape == [batch, height * sy, width * sx, channels] else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "a gradient of shape \([height * sy, width * sx, channels])",
                received: Array(outputGradient.shape.dropFirst()))
        }
        let rowLength = width * sx * channels
        return Tensor(
            shape: inputShape,
            unsafeUninitializedScalars: { dx in
                guard batch > 0 else { return }
                outputGradient.withUnsafeBufferPointer { dy in
                    let (dx, dy) = (dx.baseAddress!, dy.baseAddress!)
                    Self.forEachBand(batch * height, work: batch * height * sy * rowLength) { rows in
                        for row in rows {  // the sy output rows of input row `row`, summed over each block
                            let block = dy + row &* sy &* rowLength
                            let sums = dx + row &* width &* channels
                            if channels == 1 {
                                sums.update(repeating: 0, count: width)
                                for a in 0..<sy {
                                    let source = block + a &* rowLength
                                    if sx == 2 {  // the common case, vectorized as pairs
                                        for j in 0..<width { sums[j] = sums[j] + source[2 &* j] + source[2 &* j &+ 1] }
                                    } else {
                                        for j in 0..<width {
                                            var sum = sums[j]
                                            for d in 0..<sx { sum += source[j &* sx &+ d] }
                                            sums[j] = sum
                                        }
                                    }
                                }
                            } else {
                                sums.update(repeating: 0, count: width &* channels)
                                for a in 0..<sy {
                                    var source = UnsafePointer(block + a &* rowLength)
                                    for j in 0..<width {
                                        let sum = sums + j &* channels
                                        for _ in 0..<sx {
                                            for ch in 0..<channels { sum[ch] += source[ch] }
                                            source += channels
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            })
    }

    /// Runs `body` on bands of `rows`, concurrently when the work is large; every row is handled by
    /// one thread, so results do not depend on the thread count.
    private static func forEachBand(_ rows: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let bands = Parallel.partition(rows, into: work < 65_536 ? 1 : Parallel.availableThreads)
        Parallel.forEach(bands.count) { body(bands[$0]) }
    }
}
