import Tensor

/// Runs a 2-D layer on sequences `[batch, steps, channels]` viewed as images of height 1
/// (`[batch, 1, steps, channels]`, no copy): how ``MaxPooling1D`` and ``UpSampling1D`` reuse
/// ``MaxPooling2D`` and ``UpSampling2D``. It remembers the last output shape for the backward pass.
struct PlanarSequence {
    private var lastOutputShape: [Int]?

    /// The sequence through `layer`; `outputShape` is one sample's `[steps, channels]` afterwards. Errors
    /// name the 1-D layer, `name`.
    mutating func forward(
        _ input: Tensor, through layer: any Layer, outputShape: ([Int]) throws -> [Int], training: Bool, name: String
    ) throws -> Tensor {
        guard input.rank == 3 else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[steps, channels]", received: Array(input.shape.dropFirst()))
        }
        let shape = [input.shape[0]] + (try outputShape(Array(input.shape.dropFirst())))
        let output = try layer.forward(
            input.reshaped(to: [input.shape[0], 1] + input.shape.dropFirst()), training: training)
        lastOutputShape = shape
        return output.reshaped(to: shape)
    }

    /// The gradient of the last ``forward(_:through:outputShape:training:name:)``'s input.
    func backward(_ outputGradient: Tensor, through layer: any Layer, name: String) throws -> Tensor {
        guard let lastOutputShape else { throw LayerError.notBuilt(layer: name) }
        guard outputGradient.shape == lastOutputShape else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "a gradient of shape \(Array(lastOutputShape.dropFirst()))",
                received: Array(outputGradient.shape.dropFirst()))
        }
        let inputGradient = try layer.backward(
            outputGradient.reshaped(to: [lastOutputShape[0], 1] + lastOutputShape.dropFirst()))
        return inputGradient.reshaped(to: [inputGradient.shape[0]] + inputGradient.shape.dropFirst(2))
    }
}
