import Foundation
import Layers
import Tensor
import Testing

/// Seeded fuzzing of `fit`, `evaluate` and `predict` with hostile numbers: hyperparameters and
/// arguments drawn from edge values (NaN, ±∞, 0, negatives, huge), data with NaN, ∞ and ~1e18–1e38
/// values. Every run must end either normally with finite weights and finite figures, or with a
/// typed error (``LayerError`` or ``TrainingError``) and finite weights; never a crash, a hang, or
/// non-finite data silently accepted.
@Suite struct TrainingFuzzTests {
    static let specialFloats: [Float] = [
        .nan, .infinity, -.infinity, 0, -0.0, -1, .leastNonzeroMagnitude, 1e-7, 1e-3, 0.5, 0.999, 1, 2,
        1e10, 1e30, .greatestFiniteMagnitude,
    ]
    static let specialInts: [Int] = [Int.min, -1, 0, 1, 2, 3, 7, 64, Int.max]

    struct Case {
        var optimizer: any Optimizer
        var x: Tensor, y: Tensor
        var validation: (Tensor, Tensor)?
        var split: Float
        var epochs: Int, batchSize: Int
        var dataIsFinite: Bool
    }

    static func pick<T>(_ values: [T], _ generator: inout SeededGenerator) -> T {
        values[Int(generator.next() % UInt64(values.count))]
    }

    static func float(_ generator: inout SeededGenerator, usual: Float) -> Float {
        generator.next() % 3 == 0 ? pick(specialFloats, &generator) : usual
    }

    /// Data of `samples` rows of 3 features, normal values with, sometimes, a few hostile ones.
    static func data(_ samples: Int, _ generator: inout SeededGenerator) -> Tensor {
        var tensor = Tensor.normal(shape: [samples, 3], using: &generator)
        guard samples > 0, generator.next() % 3 == 0 else { return tensor }
        let hostile: [Float] = [.nan, .infinity, -.infinity, 1e18, -1e19, 1e25, 3e38]
        for _ in 0..<(1 + Int(generator.next() % 3)) {
            tensor[flat: Int(generator.next() % UInt64(tensor.count))] = pick(hostile, &generator)
        }
        return tensor
    }

    static func makeCase(_ generator: inout SeededGenerator) -> Case {
        let optimizer: any Optimizer =
            generator.next() % 2 == 0
            ? Adam(
                learningRate: float(&generator, usual: 1e-2), beta1: float(&generator, usual: 0.9),
                beta2: float(&generator, usual: 0.999), epsilon: float(&generator, usual: 1e-7))
            : SGD(
                learningRate: float(&generator, usual: 0.05), momentum: float(&generator, usual: 0.5),
                nesterov: generator.next() % 2 == 0)
        let samples = pick([0, 1, 2, 5, 12, 30], &generator)
        let x = data(samples, &generator)
        let y = generator.next() % 2 == 0 ? x : data(generator.next() % 8 == 0 ? samples + 1 : samples, &generator)
        let validation =
            generator.next() % 3 == 0 ? (data(pick([0, 1, 4], &generator), &generator), data(4, &generator)) : nil
        let split = generator.next() % 3 == 0 ? pick([-0.5, 0, 0.2, 0.5, 0.99, 1, .nan] as [Float], &generator) : 0
        let epochs =
            generator.next() % 4 == 0 ? pick([Int.min, -1, 0, 1, 2], &generator) : 1 + Int(generator.next() % 3)
        let batchSize = generator.next() % 4 == 0 ? pick(specialInts, &generator) : 1 + Int(generator.next() % 8)
        let finite = [x, y, validation?.0, validation?.1].allSatisfy { $0?.scalars.allSatisfy(\.isFinite) ?? true }
        return Case(
            optimizer: optimizer, x: x, y: y, validation: validation, split: split, epochs: epochs,
            batchSize: batchSize, dataIsFinite: finite)
    }

    @Test func fitEvaluateAndPredictNeverAcceptGarbage() throws {
        var generator = FuzzBudget.generator(0x7124_1A1E)
        var outcomes = (returned: 0, typedErrors: 0)
        for index in 0..<FuzzBudget.count(300) {
            let input = Self.makeCase(&generator)
            let model = try Sequential(inputShape: [3], seed: UInt64(index)) {
                Dense(units: 2, activation: .relu)
                Dense(units: 3)
            }
            model.compile(optimizer: input.optimizer, loss: .meanSquaredError)
            var history: History?
            let run = try timed {
                do {
                    history = try model.fit(
                        input.x, input.y, epochs: input.epochs, batchSize: input.batchSize,
                        validationData: input.validation, validationSplit: input.split, verbose: .silent)
                    outcomes.returned += 1
                } catch is LayerError {
                    outcomes.typedErrors += 1
                } catch is TrainingError {
                    outcomes.typedErrors += 1
                }
                // evaluate and predict on the same data: a typed error or a result, never a trap.
                do { _ = try model.evaluate(input.x, input.y, batchSize: input.batchSize) } catch is LayerError {
                } catch is TrainingError {}
                do {
                    let output = try model.predict(input.x, batchSize: input.batchSize)
                    #expect(output.shape == [input.x.batchSize, 3], "case \(index)")
                } catch is LayerError {}
            }
            #expect(run.seconds < 1, "case \(index) took \(run.seconds) s")
            #expect(
                model.parameters.allSatisfy { $0.value.scalars.allSatisfy(\.isFinite) },
                "case \(index): non-finite weights")
            if let history {
                #expect(input.dataIsFinite, "case \(index): non-finite data accepted")
                #expect(input.epochs >= 0 && input.batchSize > 0, "case \(index): invalid arguments accepted")
                #expect(
                    history.metrics.values.allSatisfy { $0.allSatisfy(\.isFinite) }, "case \(index): non-finite figures"
                )
            }
        }
        // The generator must reach both outcomes, or the test proves nothing.
        #expect(outcomes.returned > 20 && outcomes.typedErrors > 20, "\(outcomes)")
    }
}
