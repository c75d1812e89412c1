import Tensor

/// The outcome of a finite-difference gradient check.
public struct GradientCheckReport: Sendable, CustomStringConvertible {
    /// One compared derivative.
    public struct Entry: Sendable {
        /// `"input"` or the parameter's name.
        public var tensor: String
        /// The flat index within that tensor.
        public var index: Int
        /// The derivative from `backward`.
        public var analytic: Float
        /// The central-difference estimate.
        public var numeric: Float
        /// `|analytic − numeric| / max(|analytic|, |numeric|, scaleFloor)`.
        public var error: Float
    }

    /// The largest error found, with where it was found.
    public var worst: Entry?
    /// How many derivatives were compared.
    public var checkedCount: Int
    /// The tolerance the check was run with.
    public var tolerance: Float

    /// Whether every compared derivative was within `tolerance`.
    public var passed: Bool { (worst?.error ?? 0) <= tolerance }

    /// Compares one derivative with its central difference `(plus − minus) / 2ε` and keeps the worst.
    mutating func compare(
        _ tensor: String, index: Int, analytic: Float, plus: Double, minus: Double,
        epsilon: Float, scaleFloor: Float
    ) {
        let numeric = Float((plus - minus) / (2 * Double(epsilon)))
        let error = Swift.abs(numeric - analytic) / Swift.max(Swift.abs(numeric), Swift.abs(analytic), scaleFloor)
        checkedCount += 1
        if error >= (worst?.error ?? -1) {
            worst = Entry(tensor: tensor, index: index, analytic: analytic, numeric: numeric, error: error)
        }
    }

    public var description: String {
        guard let worst else { return "gradient check: nothing to compare" }
        return
            "gradient check \(passed ? "passed" : "FAILED"): \(checkedCount) derivatives, worst error \(worst.error) "
            + "at \(worst.tensor)[\(worst.index)] (backward \(worst.analytic), finite difference \(worst.numeric))"
    }
}

/// Verifies a layer's `backward` against central finite differences of its `forward`.
///
/// The check projects the output onto a fixed random direction `r`, so the scalar
/// `L = Σ output ⊙ r + regularizationLoss` has gradient `backward(r)`; it then compares that
/// gradient, for the input and every trainable parameter, with `(L(w + ε) − L(w − ε)) / 2ε`.
/// Non-trainable weights (state such as BatchNormalization's moving statistics, which `forward`
/// updates in training mode) are not compared, and are restored when the check ends.
/// Use it on your own layers:
///
///     let report = try GradientCheck.run(Swish(), inputShape: [4, 3])
///     #expect(report.passed, "\(report)")
public enum GradientCheck {
    /// Runs the check.
    /// - Parameters:
    ///   - layer: The layer; built for `inputShape.dropFirst()` if it has no parameters yet.
    ///   - inputShape: The shape of the test batch, batch axis included.
    ///   - input: A specific input; by default a standard normal sample of `inputShape`.
    ///   - seed: Seeds the input, `r`, and the choice of sampled entries.
    ///   - epsilon: The finite-difference step. Float32 arithmetic makes 1e-2 a good compromise.
    ///   - tolerance: The largest acceptable error.
    ///   - scaleFloor: Errors of derivatives smaller than this are measured absolutely.
    ///   - maxEntriesPerTensor: Large tensors are sampled at this many random positions.
    ///   - training: The mode `forward` runs in (inference mode for layers that are random while training).
    public static func run(
        _ layer: any Layer, inputShape: [Int], input: Tensor? = nil, seed: UInt64 = 0,
        epsilon: Float = 1e-2, tolerance: Float = 1e-2, scaleFloor: Float = 0.1,
        maxEntriesPerTensor: Int = 64, training: Bool = true
    ) throws -> GradientCheckReport {
        var generator = SeededGenerator(seed: seed)
        if layer.parameters.isEmpty { try layer.build(inputShape: Array(inputShape.dropFirst()), using: &generator) }
        let state = ParameterSnapshot(nonTrainableOf: layer.parameters)
        defer { state.restore() }
        var x = input ?? Tensor.normal(shape: inputShape, using: &generator)
        let output = try layer.forward(x, training: training)
        let direction = Tensor.normal(shape: output.shape, using: &generator)
        for parameter in layer.parameters { parameter.zeroGradient() }
        let inputGradient = try layer.backward(direction)

        func objective() throws -> Double {
            let y = try layer.forward(x, training: training)
            var total = Double(layer.regularizationLoss)
            for (a, b) in zip(y.scalars, direction.scalars) { total += Double(a) * Double(b) }
            return total
        }

        var report = GradientCheckReport(worst: nil, checkedCount: 0, tolerance: tolerance)

        func compare(_ name: String, count: Int, analytic: (Int) -> Float, perturb: (Int, Float) -> Void) throws {
            let positions =
                count <= maxEntriesPerTensor
                ? Array(0..<count)
                : Array((0..<count).shuffled(using: &generator).prefix(maxEntriesPerTensor))
            for index in positions {
                perturb(index, epsilon)
                let plus = try objective()
                perturb(index, -2 * epsilon)
                let minus = try objective()
                perturb(index, epsilon)
                report.compare(
                    name, index: index, analytic: analytic(index), plus: plus, minus: minus,
                    epsilon: epsilon, scaleFloor: scaleFloor)
            }
        }

        try compare("input", count: x.count, analytic: { inputGradient.scalars[$0] }, perturb: { x[flat: $0] += $1 })
        for parameter in layer.parameters where parameter.isTrainable {
            let gradient = parameter.gradient
            try compare(
                parameter.name, count: parameter.count, analytic: { gradient.scalars[$0] },
                perturb: { parameter.value[flat: $0] += $1 })
        }
        return report
    }

    /// Checks a loss's gradient against central finite differences of its value.
    public static func run(
        _ loss: any Loss, predicted: Tensor, target: Tensor, epsilon: Float = 1e-3,
        tolerance: Float = 1e-2, scaleFloor: Float = 1e-3
    ) -> GradientCheckReport {
        let gradient = loss.gradient(predicted: predicted, target: target)
        var report = GradientCheckReport(worst: nil, checkedCount: 0, tolerance: tolerance)
        var p = predicted
        for index in 0..<p.count {
            p[flat: index] += epsilon
            let plus = Double(loss.value(predicted: p, target: target))
            p[flat: index] -= 2 * epsilon
            let minus = Double(loss.value(predicted: p, target: target))
            p[flat: index] += epsilon
            report.compare(
                "predicted", index: index, analytic: gradient.scalars[index], plus: plus, minus: minus,
                epsilon: epsilon, scaleFloor: scaleFloor)
        }
        return report
    }
}
