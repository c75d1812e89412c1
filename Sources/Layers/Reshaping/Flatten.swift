import Tensor

/// Flattens each sample into a vector.
///
/// Input `[batch, d1, d2, …]` → output `[batch, d1 · d2 · …]`, in row-major (channels-last) order,
/// so a stack of feature maps can feed a ``Dense`` layer. The elements are not copied: the output
/// shares the input's storage under the new shape. No weights. Keras: `Flatten()`.
///
///     Flatten()   // [batch, 7, 7, 32] → [batch, 1568]
public final class Flatten: ReshapingLayer {
    /// Flatten's hyperparameters: only the name.
    public struct Configuration: LayerConfiguration {
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "Flatten"
    /// The hyperparameters.
    public var configuration: Configuration

    /// The input shape (batch axis included) of the last `forward`, restored by `backward`.
    var lastInputShape: [Int]?

    /// Creates a layer that flattens each sample.
    public convenience init(name: String = "") {
        self.init(configuration: Configuration(name: name))
    }

    /// Creates the layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// `[product of the input's axes]`; a sample with no axes (a scalar) flattens to `[1]`, as in Keras.
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.allSatisfy({ $0 >= 0 }) else {
            throw LayerError.incompatibleInput(layer: name, expected: "non-negative sizes", received: inputShape)
        }
        return [try SizeLimit.check(inputShape, layer: name, tensor: "input")]
    }
}
