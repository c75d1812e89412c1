import Tensor

/// Randomly zeroes inputs while training, to regularize the layers around it.
///
/// While training, each element is set to 0 with probability `rate` and the others are divided by
/// `1 − rate` (inverted dropout), so the expected output equals the input; in inference the layer
/// is the identity. Shape unchanged, no weights. The masks come from a generator the layer seeds
/// from its model's generator when built, so a model with the same seed draws the same masks.
/// Keras: `Dropout(rate)` (without `noise_shape`; the seed is the model's).
///
///     let model = try Sequential(inputShape: [784], seed: 7) {
///         Dense(units: 128, activation: .relu)
///         Dropout(rate: 0.2)
///         Dense(units: 10)
///     }
public final class Dropout: Layer {
    /// Dropout's hyperparameters, read as `dropout.rate`.
    public struct Configuration: LayerConfiguration {
        /// The probability of zeroing each element while training, in `[0, 1)` (Keras `rate`).
        public var rate: Float
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "Dropout"
    /// The hyperparameters.
    public var configuration: Configuration

    /// Draws the masks; seeded by `build`.
    private var generator: SeededGenerator?
    /// Whether each element of the last training `forward` was kept (1) or dropped (0). Reused from
    /// batch to batch; only the first `count` of the last output are meaningful.
    private var mask: [UInt8] = []
    /// The output shape of the last `forward` (batch axis included), and whether a mask was applied.
    private var last: (shape: [Int], masked: Bool)?

    /// Creates a layer that drops each element with probability `rate` while training.
    public convenience init(rate: Float, name: String = "") {
        self.init(configuration: Configuration(rate: rate, name: name))
    }

    /// Creates the layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard self.rate >= 0, self.rate < 1 else {
            throw LayerError.invalidArgument(
                layer: name, argument: "rate", value: "\(self.rate)", expected: "a probability in [0, 1)")
        }
        return inputShape
    }

    /// Checks the rate and seeds the mask generator from the model's generator.
    public func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        _ = try outputShape(for: inputShape)
        self.generator = SeededGenerator(seed: generator.next())
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        _ = try outputShape(for: Array(input.shape.dropFirst()))
        guard training, self.rate > 0 else {
            last = (input.shape, false)
            return input
        }
        guard let generator else { throw LayerError.notBuilt(layer: name) }
        let count = input.count
        if mask.count < count { mask = [UInt8](repeating: 0, count: count) }
        // An element is dropped when a uniform 32-bit draw falls below rate · 2³²; each 64-bit draw
        // decides two elements.
        let threshold = UInt64((Double(self.rate) * 4_294_967_296).rounded())
        let keep: Float = 1 - self.rate
        var state = generator
        let output = mask.withUnsafeMutableBufferPointer { mask in
            Tensor(
                shape: input.shape,
                unsafeUninitializedScalars: { out in
                    guard count > 0 else { return }
                    let m = mask.baseAddress!
                    var rng = state  // a local copy stays in registers in the loop
                    var i = 0
                    while i &+ 1 < count {
                        let bits = rng.next()
                        m[i] = (bits & 0xFFFF_FFFF) >= threshold ? 1 : 0
                        m[i &+ 1] = (bits >> 32) >= threshold ? 1 : 0
                        i &+= 2
                    }
                    if i < count { m[i] = (rng.next() & 0xFFFF_FFFF) >= threshold ? 1 : 0 }
                    state = rng
                    input.withUnsafeBufferPointer { x in
                        let (x, out) = (x.baseAddress!, out.baseAddress!)
                        // Branch-free (the mask is random): survivors' bits are kept, the others cleared to +0.
                        for i in 0..<count {
                            out[i] = Float(bitPattern: (x[i] / keep).bitPattern & (0 &- UInt32(m[i])))
                        }
                    }
                })
        }
        self.generator = state
        last = (input.shape, true)
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let last else { throw LayerError.notBuilt(layer: name) }
        guard outputGradient.shape == last.shape else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "a gradient of shape \(Array(last.shape.dropFirst()))",
                received: Array(outputGradient.shape.dropFirst()))
        }
        guard last.masked else { return outputGradient }
        let keep: Float = 1 - self.rate
        let count = outputGradient.count
        return mask.withUnsafeBufferPointer { mask in
            Tensor(
                shape: outputGradient.shape,
                unsafeUninitializedScalars: { dx in
                    guard count > 0 else { return }
                    outputGradient.withUnsafeBufferPointer { dy in
                        let (m, dy, dx) = (mask.baseAddress!, dy.baseAddress!, dx.baseAddress!)
                        for i in 0..<count {
                            dx[i] = Float(bitPattern: (dy[i] / keep).bitPattern & (0 &- UInt32(m[i])))
                        }
                    }
                })
        }
    }
}
