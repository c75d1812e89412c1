import Tensor

/// A layer that only gives each sample a new shape (``Flatten``, ``Reshape``): `forward` reshapes
/// without copying, `backward` restores the input's shape. Conformers provide `outputShape(for:)`
/// and a place to remember the last input shape.
protocol ReshapingLayer: Layer {
    /// The input shape (batch axis included) of the last `forward`, restored by `backward`.
    var lastInputShape: [Int]? { get set }
}

extension ReshapingLayer {
    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard input.rank >= 1 else {
            throw LayerError.incompatibleInput(layer: name, expected: "a batch axis", received: input.shape)
        }
        let shape = try outputShape(for: Array(input.shape.dropFirst()))
        lastInputShape = input.shape
        return input.reshaped(to: [input.shape[0]] + shape)
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let inputShape = lastInputShape else { throw LayerError.notBuilt(layer: name) }
        guard outputGradient.count == inputShape.reduce(1, *), outputGradient.shape.first == inputShape.first else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "a gradient of the last output's shape",
                received: Array(outputGradient.shape.dropFirst()))
        }
        return outputGradient.reshaped(to: inputShape)
    }
}
