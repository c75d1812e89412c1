import Tensor

/// Normalizes each sample over its features (the last axis), then scales and shifts it.
///
/// For every position of every sample, the features `x` of the last axis become
/// `(x − mean(x)) / √(variance(x) + epsilon) · gamma + beta`, with the (biased) mean and variance of
/// those features; training and inference compute the same. Shape unchanged; weights `gamma` (ones)
/// and `beta` (zeros), `[features]` each, when `scale` and `center`. Keras:
/// `LayerNormalization(axis=-1, epsilon=1e-3, center=True, scale=True)` (without `rms_scaling`);
/// only the last axis is supported.
///
///     let model = try Sequential(inputShape: [5, 16]) {
///         Dense(units: 16, activation: .relu)
///         LayerNormalization()
///     }
public final class LayerNormalization: Layer {
    /// LayerNormalization's hyperparameters, read as `layerNormalization.epsilon`.
    public struct Configuration: LayerConfiguration {
        /// The normalized axis, counted with the batch axis as in Keras; only the last axis (`-1`) is supported.
        public var axis: Int
        /// Added to the variance before its square root (Keras 1e-3).
        public var epsilon: Float
        /// Whether the layer adds the learned offset `beta`.
        public var center: Bool
        /// Whether the layer multiplies by the learned scale `gamma`.
        public var scale: Bool
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "LayerNormalization"
    /// The hyperparameters.
    public var configuration: Configuration

    /// The scale `[features]` (ones), when `scale`; available once built.
    public private(set) var gamma: Parameter?
    /// The offset `[features]` (zeros), when `center`; available once built.
    public private(set) var beta: Parameter?

    /// What `backward` needs: the normalized input and each row's `1/√(variance + ε)`.
    private var cache: (normalized: Tensor, inverseDeviations: [Float])?

    /// Creates a layer normalization.
    /// - Parameters:
    ///   - axis: The normalized axis; only `-1` (the last) is supported, as `build` checks.
    ///   - epsilon: Added to the variance (Keras 1e-3).
    ///   - center: Whether to learn an offset `beta`.
    ///   - scale: Whether to learn a scale `gamma`.
    ///   - name: The layer name; when empty, adding the layer to a model names it `layer_normalization`, ….
    public convenience init(
        axis: Int = -1, epsilon: Float = 1e-3, center: Bool = true, scale: Bool = true, name: String = ""
    ) {
        self.init(configuration: Configuration(axis: axis, epsilon: epsilon, center: center, scale: scale, name: name))
    }

    /// Creates the layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var parameters: [Parameter] { [gamma, beta].compactMap { $0 } }

    /// The input shape: normalization keeps it.
    /// - Throws: ``LayerError/invalidArgument(layer:argument:value:expected:)`` for an axis other than
    ///   the last or an epsilon that is not a finite positive number,
    ///   ``LayerError/incompatibleInput(layer:expected:received:)`` for an input without features or
    ///   with another number of features than the layer was built for.
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        let features = try NormalizationChecks.features(
            of: inputShape, axis: self.axis, epsilon: self.epsilon, layer: name)
        if let built = (gamma ?? beta)?.count, built != features {
            throw LayerError.incompatibleInput(layer: name, expected: "[…, \(built)]", received: inputShape)
        }
        return inputShape
    }

    /// Checks the configuration and creates `gamma` and `beta`.
    public func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        _ = try outputShape(for: inputShape)
        let features = inputShape[inputShape.count - 1]
        gamma =
            self.scale
            ? try makeParameter("gamma", shape: [features], initializer: .ones, layer: name, using: &generator) : nil
        beta =
            self.center
            ? try makeParameter("beta", shape: [features], initializer: .zeros, layer: name, using: &generator) : nil
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard input.rank >= 2 else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[…, features]", received: Array(input.shape.dropFirst()))
        }
        _ = try outputShape(for: Array(input.shape.dropFirst()))
        let features = input.shape[input.rank - 1]
        let rows = input.count / features
        let epsilon = Double(self.epsilon)
        var inverseDeviations = [Float](repeating: 0, count: rows)
        var normalized = Tensor(zeros: input.shape)
        input.withUnsafeBufferPointer { x in
            normalized.withUnsafeMutableBufferPointer { n in
                for row in 0..<rows {
                    let base = row * features
                    var sum = 0.0
                    for j in 0..<features { sum += Double(x[base + j]) }
                    let mean = sum / Double(features)
                    var squares = 0.0
                    for j in 0..<features {
                        let d = Double(x[base + j]) - mean
                        squares += d * d
                    }
                    let inverse = 1 / (squares / Double(features) + epsilon).squareRoot()
                    inverseDeviations[row] = Float(inverse)
                    for j in 0..<features { n[base + j] = Float((Double(x[base + j]) - mean) * inverse) }
                }
            }
        }
        cache = (normalized, inverseDeviations)
        return affine(normalized, gamma: gamma?.value, beta: beta?.value)
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let (normalized, inverseDeviations) = cache else { throw LayerError.notBuilt(layer: name) }
        guard outputGradient.shape == normalized.shape else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "a gradient of shape \(Array(normalized.shape.dropFirst()))",
                received: Array(outputGradient.shape.dropFirst()))
        }
        let features = normalized.shape[normalized.rank - 1]
        accumulateAffineGradients(outputGradient, normalized: normalized, gamma: gamma, beta: beta)
        // With g = ∂L/∂x̂ = dy·γ: ∂L/∂x = (1/σ) · (g − mean(g) − x̂ · mean(g·x̂)) over the features.
        var inputGradient = Tensor(zeros: normalized.shape)
        let gammaValue = gamma?.value
        outputGradient.withUnsafeBufferPointer { dy in
            normalized.withUnsafeBufferPointer { n in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    withScale(gammaValue, count: features) { scale in
                        for row in 0..<inverseDeviations.count {
                            let base = row * features
                            var sum = 0.0
                            var dot = 0.0
                            for j in 0..<features {
                                let g = Double(dy[base + j]) * Double(scale[j])
                                sum += g
                                dot += g * Double(n[base + j])
                            }
                            let (meanG, meanGN) = (sum / Double(features), dot / Double(features))
                            let inverse = Double(inverseDeviations[row])
                            for j in 0..<features {
                                let g = Double(dy[base + j]) * Double(scale[j])
                                dx[base + j] = Float(inverse * (g - meanG - Double(n[base + j]) * meanGN))
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
