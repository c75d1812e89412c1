import Layers
import Tensor
import Testing

/// A training step does not compute ∂loss/∂input for the first learning layer (nor back-propagate
/// through the weightless layers before it); the weight gradients must be exactly those of the full
/// backward pass.
@Suite struct InputGradientSkippingTests {
    static func models() throws -> [(String, Sequential, [Int])] {
        [
            (
                "flatten + dense",
                try Sequential(inputShape: [4, 6]) {
                    Flatten()
                    Dense(units: 5, activation: .relu)
                    Dense(units: 24, activation: .sigmoid)
                }, [4, 6]
            ),
            ("conv2d nested", try nestedConvolutions(), [6, 6, 2]),
            (
                "conv1d one filter",
                try Sequential(inputShape: [5, 4]) { Conv1D(filters: 1, kernelSize: 3, padding: .same) }, [5, 4]
            ),
            (
                "lstm",
                try Sequential(inputShape: [3, 4]) {
                    LSTM(units: 5, activation: .relu, returnSequences: true)
                    TimeDistributed(Dense(units: 4))
                }, [3, 4]
            ),
            ("gru", try Sequential(inputShape: [3, 4]) { GRU(units: 4, returnSequences: true) }, [3, 4]),
            ("simple rnn", try Sequential(inputShape: [3, 4]) { SimpleRNN(units: 4, returnSequences: true) }, [3, 4]),
        ]
    }

    static func nestedConvolutions() throws -> Sequential {
        let encoder = try Sequential(inputShape: [6, 6, 2], name: "encoder") {
            Conv2D(filters: 3, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
        }
        return try Sequential(inputShape: [6, 6, 2]) {
            encoder
            Conv2DTranspose(filters: 2, kernelSize: 3, strides: 2, padding: .same)
            Conv2D(filters: 1, kernelSize: 3, padding: .same, activation: .sigmoid)
        }
    }

    @Test func weightGradientsEqualThoseOfTheFullBackwardPass() throws {
        for (name, model, shape) in try Self.models() {
            model.compile(optimizer: Adam(), loss: MeanSquaredError())
            var generator = SeededGenerator(seed: 5)
            let x = Tensor.normal(shape: [7] + shape, using: &generator)
            let y = Tensor.normal(shape: [7] + model.outputShape, using: &generator)
            let skipping = try model.gradients(x, y)

            model.zeroGradients()
            let prediction = try model.forward(x, training: true)
            let (_, gradient) = MeanSquaredError().valueAndGradient(predicted: prediction, target: y)
            let inputGradient = try model.backward(gradient)
            #expect(inputGradient.shape == x.shape, "\(name)")
            for (path, parameter) in model.namedParameters where parameter.isTrainable {
                #expect(skipping[path] == parameter.gradient, "\(name): \(path)")
            }
        }
    }
}
