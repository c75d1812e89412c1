import Tensor

/// Normalizes each feature (the last axis) with the statistics of the batch while training, and
/// with moving averages of them in inference; then scales and shifts it.
///
/// While training, each feature `x` becomes `(x − mean) / √(variance + epsilon) · gamma + beta` with
/// the mean and (biased) variance over the batch and every other axis, and the moving statistics are
/// updated as Keras 3 does: `moving = moving · momentum + batch statistic · (1 − momentum)` (the
/// biased batch variance, as Keras 3, not Keras 2's unbiased one). In inference the moving mean and
/// variance replace the batch statistics. Shape unchanged.
///
/// Weights, in Keras' order: `gamma` (ones, when `scale`) and `beta` (zeros, when `center`),
/// trainable; `moving_mean` (zeros) and `moving_variance` (ones), non-trainable
/// (``Parameter/isTrainable`` `false`): 4 · features parameters, 2 · features of them non-trainable,
/// as `summary()` reports. The moving statistics are saved and loaded with the model; optimizers,
/// ``GradientCheck`` and ``Sequential/gradients(_:_:training:)`` leave them unchanged, and a failed
/// training step restores them. Keras:
/// `BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True)`; only the
/// last axis is supported.
///
///     let model = try Sequential(inputShape: [20]) {
///         Dense(units: 32, activation: .relu)
///         BatchNormalization()
///         Dense(units: 1, activation: .sigmoid)
///     }
public final class BatchNormalization: Layer {
    /// BatchNormalization's hyperparameters, read as `batchNormalization.momentum`.
    public struct Configuration: LayerConfiguration {
        /// The features axis, counted with the batch axis as in Keras; only the last axis (`-1`) is supported.
        public var axis: Int
        /// The weight of the old value in each moving-statistics update, in [0, 1] (Keras 0.99).
        public var momentum: Float
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
    public static let typeName = "BatchNormalization"
    /// The hyperparameters.
    public var configuration: Configuration

    /// The scale `[features]` (ones), when `scale`; available once built.
    public private(set) var gamma: Parameter?
    /// The offset `[features]` (zeros), when `center`; available once built.
    public private(set) var beta: Parameter?
    /// The moving mean `[features]` (zeros), non-trainable; available once built.
    public private(set) var movingMean: Parameter?
    /// The moving variance `[features]` (ones), non-trainable; available once built.
    public private(set) var movingVariance: Parameter?

    /// What `backward` needs: the normalized input, each feature's `1/√(variance + ε)`, and whether
    /// the batch statistics (training) or the moving ones (inference) were used.
    private var cache: (normalized: Tensor, inverseDeviations: [Double], batchStatistics: Bool)?

    /// Creates a batch normalization.
    /// - Parameters:
    ///   - axis: The features axis; only `-1` (the last) is supported, as `build` checks.
    ///   - momentum: The weight of the old value in each moving-statistics update (Keras 0.99).
    ///   - epsilon: Added to the variance (Keras 1e-3).
    ///   - center: Whether to learn an offset `beta`.
    ///   - scale: Whether to learn a scale `gamma`.
    ///   - name: The layer name; when empty, adding the layer to a model names it `batch_normalization`, ….
    public convenience init(
        axis: Int = -1, momentum: Float = 0.99, epsilon: Float = 1e-3, center: Bool = true, scale: Bool = true,
        name: String = ""
    ) {
        self.init(
            configuration: Configuration(
                axis: axis, momentum: momentum, epsilon: epsilon, center: center, scale: scale, name: name))
    }

    /// Creates the layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// `gamma`, `beta`, `moving_mean`, `moving_variance` (Keras' order), the absent ones left out.
    public var parameters: [Parameter] { [gamma, beta, movingMean, movingVariance].compactMap { $0 } }

    /// The input shape: normalization keeps it.
    /// - Throws: ``LayerError/invalidArgument(layer:argument:value:expected:)`` for an axis other than
    ///   the last, a momentum outside [0, 1] or an epsilon that is not a finite positive number;
    ///   ``LayerError/incompatibleInput(layer:expected:received:)`` for an input without features or
    ///   with another number of features than the layer was built for.
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        let features = try NormalizationChecks.features(
            of: inputShape, axis: self.axis, epsilon: self.epsilon, layer: name)
        guard self.momentum >= 0, self.momentum <= 1 else {
            throw LayerError.invalidArgument(
                layer: name, argument: "momentum", value: "\(self.momentum)", expected: "a number in [0, 1]")
        }
        if let built = movingMean?.count, built != features {
            throw LayerError.incompatibleInput(layer: name, expected: "[…, \(built)]", received: inputShape)
        }
        return inputShape
    }

    /// Checks the configuration and creates the weights.
    public func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        _ = try outputShape(for: inputShape)
        let shape = [inputShape[inputShape.count - 1]]
        gamma =
            self.scale
            ? try makeParameter("gamma", shape: shape, initializer: .ones, layer: name, using: &generator) : nil
        beta =
            self.center
            ? try makeParameter("beta", shape: shape, initializer: .zeros, layer: name, using: &generator) : nil
        movingMean = try makeParameter(
            "moving_mean", shape: shape, initializer: .zeros, layer: name, isTrainable: false, using: &generator)
        movingVariance = try makeParameter(
            "moving_variance", shape: shape, initializer: .ones, layer: name, isTrainable: false, using: &generator)
    }

    /// Normalizes with the batch statistics and updates the moving ones (`training`), or normalizes
    /// with the moving statistics.
    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard let movingMean, let movingVariance else { throw LayerError.notBuilt(layer: name) }
        guard input.rank >= 2 else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[…, features]", received: Array(input.shape.dropFirst()))
        }
        _ = try outputShape(for: Array(input.shape.dropFirst()))
        let features = input.shape[input.rank - 1]
        let rows = input.count / features
        let batchStatistics = training && rows > 0
        var mean: [Double]
        var variance: [Double]
        if batchStatistics {
            (mean, variance) = Self.moments(input, rows: rows, features: features)
            // Keras 3: moving · momentum + statistic · (1 − momentum), in float32.
            let (momentum, rest) = (self.momentum, 1 - self.momentum)
            movingMean.value = Tensor(
                shape: [features],
                scalars: zip(movingMean.value.scalars, mean).map { $0 * momentum + Float($1) * rest })
            movingVariance.value = Tensor(
                shape: [features],
                scalars: zip(movingVariance.value.scalars, variance).map { $0 * momentum + Float($1) * rest })
        } else {
            mean = movingMean.value.scalars.map(Double.init)
            variance = movingVariance.value.scalars.map(Double.init)
        }
        let epsilon = Double(self.epsilon)
        let inverseDeviations = variance.map { 1 / ($0 + epsilon).squareRoot() }
        var normalized = Tensor(zeros: input.shape)
        input.withUnsafeBufferPointer { x in
            normalized.withUnsafeMutableBufferPointer { n in
                for row in 0..<rows {
                    let base = row * features
                    for j in 0..<features {
                        n[base + j] = Float((Double(x[base + j]) - mean[j]) * inverseDeviations[j])
                    }
                }
            }
        }
        cache = (normalized, inverseDeviations, batchStatistics)
        return affine(normalized, gamma: gamma?.value, beta: beta?.value)
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let (normalized, inverseDeviations, batchStatistics) = cache else {
            throw LayerError.notBuilt(layer: name)
        }
        guard outputGradient.shape == normalized.shape else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "a gradient of shape \(Array(normalized.shape.dropFirst()))",
                received: Array(outputGradient.shape.dropFirst()))
        }
        let features = inverseDeviations.count
        let rows = normalized.count / features
        accumulateAffineGradients(outputGradient, normalized: normalized, gamma: gamma, beta: beta)
        let scale = gamma?.value.scalars.map(Double.init) ?? [Double](repeating: 1, count: features)
        // With g = ∂L/∂x̂ = dy·γ: in training ∂L/∂x = (1/σ)(g − mean(g) − x̂ · mean(g·x̂)) over the batch
        // (the statistics depend on x); in inference ∂L/∂x = g/σ.
        var meanG = [Double](repeating: 0, count: features)
        var meanGN = [Double](repeating: 0, count: features)
        var inputGradient = Tensor(zeros: normalized.shape)
        outputGradient.withUnsafeBufferPointer { dy in
            normalized.withUnsafeBufferPointer { n in
                if batchStatistics {
                    for row in 0..<rows {
                        let base = row * features
                        for j in 0..<features {
                            let g = Double(dy[base + j]) * scale[j]
                            meanG[j] += g
                            meanGN[j] += g * Double(n[base + j])
                        }
                    }
                    for j in 0..<features {
                        meanG[j] /= Double(rows)
                        meanGN[j] /= Double(rows)
                    }
                }
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    for row in 0..<rows {
                        let base = row * features
                        for j in 0..<features {
                            let g = Double(dy[base + j]) * scale[j]
                            dx[base + j] = Float(
                                inverseDeviations[j] * (g - meanG[j] - Double(n[base + j]) * meanGN[j]))
                        }
                    }
                }
            }
        }
        return inputGradient
    }

    /// Each feature's mean and biased variance over the `rows` rows of `input`.
    private static func moments(_ input: Tensor, rows: Int, features: Int) -> (mean: [Double], variance: [Double]) {
        var mean = [Double](repeating: 0, count: features)
        var variance = [Double](repeating: 0, count: features)
        input.withUnsafeBufferPointer { x in
            for row in 0..<rows {
                for j in 0..<features { mean[j] += Double(x[row * features + j]) }
            }
            for j in 0..<features { mean[j] /= Double(rows) }
            for row in 0..<rows {
                for j in 0..<features {
                    let d = Double(x[row * features + j]) - mean[j]
                    variance[j] += d * d
                }
            }
            for j in 0..<features { variance[j] /= Double(rows) }
        }
        return (mean, variance)
    }
}
