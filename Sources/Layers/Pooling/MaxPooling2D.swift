import Tensor

/// Downsamples images by the maximum of each window.
///
/// Input `[batch, height, width, channels]` (channels last) → output `[batch, outHeight, outWidth,
/// channels]`, where each output is the largest input in its `poolSize` window, windows `strides`
/// apart (the pool size by default). With ``Padding/valid`` an axis of `n` gives
/// `floor((n − pool) / stride) + 1` outputs; with ``Padding/same`` it gives `ceil(n / stride)`, padded
/// as TensorFlow does (the smaller half of the padding top/left; padded cells never win). The
/// gradient goes to each window's maximum (the first one, row by row, on ties, as in TensorFlow).
/// No weights. Keras: `MaxPooling2D(pool_size=(2, 2), strides=None, padding="valid")`.
///
///     MaxPooling2D()                                               // [batch, 28, 28, 16] → [batch, 14, 14, 16]
///     MaxPooling2D(poolSize: [3, 3], strides: [2, 2], padding: .same)   // [batch, 7, 7, 8] → [batch, 4, 4, 8]
public final class MaxPooling2D: Layer {
    /// MaxPooling2D's hyperparameters, read as `pool.poolSize`, `pool.strides`, `pool.padding`.
    public struct Configuration: LayerConfiguration {
        /// The window `[rows, columns]` (Keras `pool_size`).
        public var poolSize: [Int]
        /// The step between windows `[rows, columns]` (Keras `strides`; the pool size when not given).
        public var strides: [Int]
        /// Whether windows stay inside the input (`valid`) or the input is padded (`same`).
        public var padding: Padding
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "MaxPooling2D"
    /// The hyperparameters.
    public var configuration: Configuration

    /// Flat input index of each output of the last `forward` (reused from batch to batch).
    private var winners: [Int32] = []
    /// The input and output shapes (batch axis included) of the last `forward`.
    private var shapes: (input: [Int], output: [Int])?

    /// Creates a layer pooling square windows: `MaxPooling2D(poolSize: 2)`.
    /// - Parameters:
    ///   - poolSize: The window side (Keras `pool_size`), 2 by default.
    ///   - strides: The step between windows; the pool size when `nil`, as in Keras.
    ///   - padding: `.valid` (default) or `.same` (`.causal` throws when built).
    ///   - name: The layer name; when empty (the default), adding the layer to a model names it
    ///     `max_pooling2d`, `max_pooling2d_1`, ….
    public convenience init(poolSize: Int = 2, strides: Int? = nil, padding: Padding = .valid, name: String = "") {
        self.init(poolSize: [poolSize, poolSize], strides: strides.map { [$0, $0] }, padding: padding, name: name)
    }

    /// Creates a layer pooling `[rows, columns]` windows:
    /// `MaxPooling2D(poolSize: [3, 3], strides: [2, 2], padding: .same)`.
    /// - Parameters:
    ///   - poolSize: The window `[rows, columns]` (Keras `pool_size`).
    ///   - strides: The step between windows `[rows, columns]`; the pool size when `nil`, as in Keras.
    ///   - padding: `.valid` (default) or `.same` (`.causal` throws when built).
    ///   - name: The layer name; when empty (the default), adding the layer to a model names it
    ///     `max_pooling2d`, `max_pooling2d_1`, ….
    public convenience init(poolSize: [Int], strides: [Int]? = nil, padding: Padding = .valid, name: String = "") {
        self.init(
            configuration: Configuration(poolSize: poolSize, strides: strides ?? poolSize, padding: padding, name: name)
        )
    }

    /// Creates the layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Window placement on an image of `imageShape` (`[height, width, channels]`).
    private struct Geometry {
        var height: Int, width: Int, channels: Int
        var poolHeight: Int, poolWidth: Int, strideY: Int, strideX: Int
        var padTop: Int, padLeft: Int, outHeight: Int, outWidth: Int
    }

    private func geometry(for imageShape: [Int]) throws -> Geometry {
        try self.padding.refuseCausal(layer: name)
        for (argument, value) in [("poolSize", self.poolSize), ("strides", self.strides)] {
            guard value.count == 2, value.allSatisfy({ $0 > 0 }) else {
                throw LayerError.invalidArgument(
                    layer: name, argument: argument, value: "\(value)", expected: "two positive integers")
            }
        }
        guard imageShape.count == 3, imageShape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.incompatibleInput(layer: name, expected: "[height, width, channels]", received: imageShape)
        }
        let rows = try self.padding.window(
            input: imageShape[0], kernel: self.poolSize[0], stride: self.strides[0],
            layer: name, inputShape: imageShape)
        let columns = try self.padding.window(
            input: imageShape[1], kernel: self.poolSize[1], stride: self.strides[1],
            layer: name, inputShape: imageShape)
        return Geometry(
            height: imageShape[0], width: imageShape[1], channels: imageShape[2],
            poolHeight: self.poolSize[0], poolWidth: self.poolSize[1], strideY: self.strides[0],
            strideX: self.strides[1],
            padTop: rows.padBefore, padLeft: columns.padBefore, outHeight: rows.outputSize, outWidth: columns.outputSize
        )
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        let g = try geometry(for: inputShape)
        return [g.outHeight, g.outWidth, g.channels]
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        let g = try geometry(for: Array(input.shape.dropFirst()))
        guard input.count <= Int(Int32.max) else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "a batch of fewer than 2³¹ elements", received: Array(input.shape.dropFirst()))
        }
        let batch = input.shape[0]
        let outputShape = [batch, g.outHeight, g.outWidth, g.channels]
        let outputCount = outputShape.reduce(1, *)
        if winners.count < outputCount { winners = [Int32](repeating: 0, count: outputCount) }
        let output = winners.withUnsafeMutableBufferPointer { winners in
            Tensor(
                shape: outputShape,
                unsafeUninitializedScalars: { out in
                    guard outputCount > 0 else { return }
                    input.withUnsafeBufferPointer { x in
                        let (x, out, winners) = (x.baseAddress!, out.baseAddress!, winners.baseAddress!)
                        Self.forEachBand(
                            batch, work: input.count * g.poolHeight * g.poolWidth / (g.strideY * g.strideX)
                        ) { items in
                            for b in items { Self.pool(g, item: b, x, out, winners) }
                        }
                    }
                })
        }
        shapes = (input.shape, outputShape)
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let shapes else { throw LayerError.notBuilt(layer: name) }
        guard outputGradient.shape == shapes.output else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "a gradient of shape \(Array(shapes.output.dropFirst()))",
                received: Array(outputGradient.shape.dropFirst()))
        }
        var inputGradient = Tensor(zeros: shapes.input)
        let batch = shapes.input[0]
        let (inputItem, outputItem) = (inputGradient.itemCount, outputGradient.itemCount)
        guard inputItem > 0, outputItem > 0 else { return inputGradient }
        winners.withUnsafeBufferPointer { winners in
            inputGradient.withUnsafeMutableBufferPointer { dx in
                outputGradient.withUnsafeBufferPointer { dy in
                    let (dx, dy, winners) = (dx.baseAddress!, dy.baseAddress!, winners.baseAddress!)
                    // Each sample's outputs route only into that sample's inputs: bands of samples are independent.
                    Self.forEachBand(batch, work: batch * (inputItem + outputItem)) { items in
                        for i in (items.lowerBound * outputItem)..<(items.upperBound * outputItem) {
                            dx[Int(winners[i])] += dy[i]
                        }
                    }
                }
            }
        }
        return inputGradient
    }

    /// Pools one sample: writes its outputs and the flat input index of each output's maximum.
    private static func pool(
        _ g: Geometry, item b: Int, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
        _ winners: UnsafeMutablePointer<Int32>
    ) {
        let c = g.channels
        let rowLength = g.width &* c
        let image = b &* g.height &* rowLength
        var o = b &* g.outHeight &* g.outWidth &* c
        for oy in 0..<g.outHeight {
            let top = oy &* g.strideY &- g.padTop
            let (y0, y1) = (Swift.max(top, 0), Swift.min(top &+ g.poolHeight, g.height))
            for ox in 0..<g.outWidth {
                let left = ox &* g.strideX &- g.padLeft
                let (x0, x1) = (Swift.max(left, 0), Swift.min(left &+ g.poolWidth, g.width))
                // The window's first cell (never a padded one) starts the running maximum; later
                // cells replace it only when strictly larger, so ties keep the first, as TensorFlow.
                let first = image &+ y0 &* rowLength &+ x0 &* c
                // Four channels at a time in vector registers, then one at a time.
                var ch = 0
                while ch &+ 4 <= c {
                    var best = UnsafeRawPointer(x + (first &+ ch)).loadUnaligned(as: SIMD4<Float>.self)
                    var winner = SIMD4<Int32>(repeating: Int32(truncatingIfNeeded: first &+ ch)) &+ SIMD4(0, 1, 2, 3)
                    for y in y0..<y1 {
                        for column in x0..<x1 {
                            let cell = image &+ y &* rowLength &+ column &* c &+ ch
                            let value = UnsafeRawPointer(x + cell).loadUnaligned(as: SIMD4<Float>.self)
                            let larger = value .> best
                            best.replace(with: value, where: larger)
                            winner.replace(
                                with: SIMD4<Int32>(repeating: Int32(truncatingIfNeeded: cell)) &+ SIMD4(0, 1, 2, 3),
                                where: larger)
                        }
                    }
                    UnsafeMutableRawPointer(out + (o &+ ch)).storeBytes(of: best, as: SIMD4<Float>.self)
                    UnsafeMutableRawPointer(winners + (o &+ ch)).storeBytes(of: winner, as: SIMD4<Int32>.self)
                    ch &+= 4
                }
                while ch < c {
                    var (best, winner) = (x[first &+ ch], first &+ ch)
                    for y in y0..<y1 {
                        let row = image &+ y &* rowLength &+ ch
                        for column in x0..<x1 {
                            let cell = row &+ column &* c
                            let value = x[cell]
                            let larger = value > best
                            best = larger ? value : best
                            winner = larger ? cell : winner
                        }
                    }
                    out[o &+ ch] = best
                    winners[o &+ ch] = Int32(truncatingIfNeeded: winner)
                    ch &+= 1
                }
                o &+= c
            }
        }
    }

    /// Runs `body` on bands of samples, concurrently when the work is large; every sample is
    /// handled by one thread, so results do not depend on the thread count.
    private static func forEachBand(_ batch: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let bands = Parallel.partition(batch, into: work < 65_536 ? 1 : Parallel.availableThreads)
        Parallel.forEach(bands.count) { body(bands[$0]) }
    }
}
