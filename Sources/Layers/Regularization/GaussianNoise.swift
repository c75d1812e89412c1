import Tensor

/// Adds zero-mean Gaussian noise to its input while training, to regularize the layers after it.
///
/// While training, each element gets `stddev · N(0, 1)` added; in inference the layer is the
/// identity. Shape unchanged, no weights; the gradient passes through unchanged. The noise comes
/// from a generator the layer seeds from its model's generator when built (as ``Dropout`` does), so
/// a model with the same seed draws the same noise. Keras: `GaussianNoise(stddev)` (the seed is the
/// model's).
///
/// This is the layer form of noise, applied batch by batch during `fit`; to make a fixed noisy copy
/// of a data set (a denoising autoencoder's inputs), use Preprocessing's
/// `Tensor.addingGaussianNoise(standardDeviation:clippedTo:using:)` instead.
///
///     let model = try Sequential(inputShape: [59], seed: 7) {
///         GaussianNoise(stddev: 0.1)
///         Dense(units: 16, activation: .relu)
///         Dense(units: 59)
///     }
public final class GaussianNoise: Layer {
    /// GaussianNoise's hyperparameters, read as `noise.stddev`.
    public struct Configuration: LayerConfiguration {
        /// The standard deviation of the noise, finite and ≥ 0 (Keras `stddev`).
        public var stddev: Float
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "GaussianNoise"
    /// The hyperparameters.
    public var configuration: Configuration

    /// Draws the noise; seeded by `build`.
    private var generator: SeededGenerator?
    /// The shape of the last `forward`'s output (batch axis included).
    private var lastShape: [Int]?

    /// Creates a layer that adds `N(0, stddev²)` noise while training.
    public convenience init(stddev: Float, name: String = "") {
        self.init(configuration: Configuration(stddev: stddev, name: name))
    }

    /// Creates the layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The input shape, after checking `stddev`.
    /// - Throws: ``LayerError/invalidArgument(layer:argument:value:expected:)`` unless `stddev` is finite and ≥ 0.
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard self.stddev.isFinite, self.stddev >= 0 else {
            throw LayerError.invalidArgument(
                layer: name, argument: "stddev", value: "\(self.stddev)", expected: "a finite number ≥ 0")
        }
        return inputShape
    }

    /// Checks `stddev` and seeds the noise generator from the model's generator.
    public func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        _ = try outputShape(for: inputShape)
        self.generator = SeededGenerator(seed: generator.next())
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        _ = try outputShape(for: Array(input.shape.dropFirst()))
        lastShape = input.shape
        guard training, self.stddev > 0 else { return input }
        guard var generator else { throw LayerError.notBuilt(layer: name) }
        let stddev = self.stddev
        var output = input
        output.withUnsafeMutableBufferPointer { values in
            for index in values.indices { values[index] += stddev * generator.normal() }
        }
        self.generator = generator
        return output
    }

    /// Passes the gradient through: the noise does not depend on the input.
    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let lastShape else { throw LayerError.notBuilt(layer: name) }
        guard outputGradient.shape == lastShape else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "a gradient of shape \(Array(lastShape.dropFirst()))",
                received: Array(outputGradient.shape.dropFirst()))
        }
        return outputGradient
    }
}
