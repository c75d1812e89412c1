import Tensor

/// Gives each sample a new shape with the same number of elements.
///
/// Input `[batch, …]` → output `[batch] + targetShape`, elements kept in row-major order. One entry
/// of `targetShape` may be `-1`: it is inferred from the element count, as in Keras. The elements
/// are not copied: the output shares the input's storage under the new shape. No weights.
/// Keras: `Reshape(target_shape)`.
///
///     Reshape(targetShape: [7, 7, 32])   // [batch, 1568] → [batch, 7, 7, 32]
///     Reshape(targetShape: [-1, 4])      // [batch, 3, 8] → [batch, 6, 4]
public final class Reshape: ReshapingLayer {
    /// Reshape's hyperparameters, read as `reshape.targetShape`.
    public struct Configuration: LayerConfiguration {
        /// One sample's output shape (batch axis excluded); at most one entry is `-1` (Keras `target_shape`).
        public var targetShape: [Int]
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "Reshape"
    /// The hyperparameters.
    public var configuration: Configuration

    /// The input shape (batch axis included) of the last `forward`, restored by `backward`.
    var lastInputShape: [Int]?

    /// Creates a layer that reshapes each sample to `targetShape` (batch axis excluded; one entry may be `-1`).
    public convenience init(targetShape: [Int], name: String = "") {
        self.init(configuration: Configuration(targetShape: targetShape, name: name))
    }

    /// Creates the layer from its hyperparameters.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// `targetShape` with its `-1` entry, if any, inferred from `inputShape`'s element count.
    /// - Throws: ``LayerError/invalidArgument(layer:argument:value:expected:)`` for more than one `-1`
    ///   or a non-positive entry; ``LayerError/incompatibleInput(layer:expected:received:)`` when the
    ///   element counts cannot match.
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        let target = self.targetShape
        let inferred = target.indices.filter { target[$0] == -1 }
        guard inferred.count <= 1, target.allSatisfy({ $0 > 0 || $0 == -1 }) else {
            throw LayerError.invalidArgument(
                layer: name, argument: "targetShape", value: "\(target)",
                expected: "positive sizes and at most one -1")
        }
        guard inputShape.allSatisfy({ $0 >= 0 }) else {
            throw LayerError.incompatibleInput(layer: name, expected: "non-negative sizes", received: inputShape)
        }
        let total = try SizeLimit.check(inputShape, layer: name, tensor: "input")
        let known = try SizeLimit.check(target.filter { $0 != -1 }, layer: name, tensor: "targetShape")
        if let axis = inferred.first {
            guard total % known == 0 else {
                throw LayerError.incompatibleInput(
                    layer: name, expected: "a multiple of \(known) elements to reshape to \(target)",
                    received: inputShape)
            }
            var resolved = target
            resolved[axis] = total / known
            return resolved
        }
        guard total == known else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "\(known) elements to reshape to \(target)", received: inputShape)
        }
        return target
    }
}
