import Layers
import Tensor
import Testing

@Suite struct LossTests {
    /// The vectorized kernels against the textbook definitions, on lengths around the vector width
    /// and the 4,096-element summation block.
    @Test(arguments: [1, 15, 16, 17, 4_097, 10_000])
    func vectorizedLossesMatchTheirDefinitions(count: Int) {
        var generator = SeededGenerator(seed: UInt64(count))
        let predicted = Tensor.normal(shape: [count], using: &generator)
        var target = Tensor.normal(shape: [count], using: &generator)
        target[0] = predicted[0]  // |d| at 0 has derivative 0
        let p = predicted.scalars.map(Double.init)
        let t = target.scalars.map(Double.init)
        let n = Double(count)
        let cases: [(any Loss, Double, [Double])] = [
            (
                MeanSquaredError(), zip(p, t).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / n,
                zip(p, t).map { 2 * ($0 - $1) / n }
            ),
            (
                MeanAbsoluteError(), zip(p, t).map { abs($0 - $1) }.reduce(0, +) / n,
                zip(p, t).map { $0 > $1 ? 1 / n : ($0 < $1 ? -1 / n : 0) }
            ),
        ]
        for (loss, value, gradient) in cases {
            let (computedValue, computedGradient) = loss.valueAndGradient(predicted: predicted, target: target)
            #expect(abs(Double(computedValue) - value) <= 1e-6 * value, "\(loss.name)")
            #expect(loss.value(predicted: predicted, target: target) == computedValue)
            #expect(loss.gradient(predicted: predicted, target: target) == computedGradient)
            let expected = Tensor(shape: [count], scalars: gradient.map(Float.init))
            #expect(computedGradient.isApproximatelyEqual(to: expected, relativeTolerance: 1e-6), "\(loss.name)")
        }
    }
}
