import Foundation
import Tensor

/// The outcome of ``LayerTest/run(_:inputShape:batchSize:input:expectedOutputShape:expectedParameterCount:seed:gradientTolerance:gradientCheckInTraining:trainingSteps:)``:
/// one entry per property checked.
public struct LayerTestReport: Sendable, CustomStringConvertible {
    /// One checked property of the layer.
    public struct Check: Sendable {
        /// What was checked (`"output shape"`, `"gradients"`, …).
        public var name: String
        /// Whether it held.
        public var passed: Bool
        /// What was measured, or why it failed.
        public var detail: String
    }

    /// Every check, in the order run.
    public var checks: [Check] = []

    /// Whether every check passed.
    public var passed: Bool { checks.allSatisfy(\.passed) }

    /// The checks that failed.
    public var failures: [Check] { checks.filter { !$0.passed } }

    mutating func record(_ name: String, _ passed: Bool, _ detail: String) {
        checks.append(Check(name: name, passed: passed, detail: detail))
    }

    public var description: String {
        checks.map { "\($0.passed ? "✔" : "✘") \($0.name): \($0.detail)" }.joined(separator: "\n")
    }
}

/// A layer's conformance test, in the spirit of Keras' `run_layer_test`: run it on every layer you
/// write.
///
/// Given a layer and an input shape, it checks that
/// 1. the layer builds inside a ``Sequential`` and `forward` returns the shape `outputShape(for:)`
///    promised (and `expectedOutputShape` / `expectedParameterCount`, when given);
/// 2. its configuration survives a JSON round trip through ``LayerRegistry`` (so the type must be
///    registered) and recreates an equal configuration;
/// 3. a model holding it saves and loads to bit-identical predictions;
/// 4. `backward` agrees with finite differences (``GradientCheck``) for the input and every weight;
/// 5. a few Adam steps on a fixed batch lower an MSE loss (layers with weights).
///
/// ```swift
/// LayerRegistry.register(Swish.self)
/// let report = LayerTest.run(Swish(), inputShape: [4, 3])
/// #expect(report.passed, "\(report)")
/// ```
public enum LayerTest {
    /// Runs every check on `layer`, which must be unbuilt (or built for `inputShape`).
    /// - Parameters:
    ///   - layer: The layer under test; it is built, gradient-checked and trained in place.
    ///   - inputShape: One sample's shape (batch axis excluded).
    ///   - batchSize: The batch the checks run on.
    ///   - input: A specific input batch; by default a standard normal sample.
    ///   - expectedOutputShape: The output shape (batch axis excluded) the layer must produce.
    ///   - expectedParameterCount: The number of scalars in its weights (Keras' `count_params()`).
    ///   - seed: Seeds the weights, the input and the gradient check.
    ///   - gradientTolerance: Passed to ``GradientCheck``.
    ///   - gradientCheckInTraining: Whether the gradient check runs `forward` in training mode
    ///     (turn it off for layers that are random while training, such as `Dropout`).
    ///   - trainingSteps: How many optimizer steps the training check takes.
    public static func run<L: Layer>(
        _ layer: L, inputShape: [Int], batchSize: Int = 3, input: Tensor? = nil,
        expectedOutputShape: [Int]? = nil, expectedParameterCount: Int? = nil,
        seed: UInt64 = 0, gradientTolerance: Float = 1e-2,
        gradientCheckInTraining: Bool = true, trainingSteps: Int = 5
    ) -> LayerTestReport {
        var report = LayerTestReport()
        let model: Sequential
        do {
            model = try Sequential(inputShape: inputShape, seed: seed) { layer }
            report.record(
                "build", true,
                "\(L.typeName) '\(layer.name)' built for \(inputShape), \(layer.parameterCount) parameters")
        } catch {
            report.record("build", false, "\(error)")
            return report
        }
        var generator = SeededGenerator(seed: seed &+ 1)
        let x = input ?? Tensor.normal(shape: [batchSize] + inputShape, using: &generator)

        // 1. Shapes and parameter count.
        do {
            let output = try layer.forward(x, training: false)
            let shape = Array(output.shape.dropFirst())
            let expected = expectedOutputShape ?? model.outputShape
            let countMatches = expectedParameterCount.map { $0 == layer.parameterCount } ?? true
            report.record(
                "output shape",
                shape == model.outputShape && shape == expected && output.batchSize == x.batchSize && countMatches,
                "forward gave \(output.shape), outputShape(for:) \(model.outputShape), expected \(expected); "
                    + "\(layer.parameterCount) parameters" + (expectedParameterCount.map { ", expected \($0)" } ?? ""))
        } catch {
            report.record("output shape", false, "forward threw \(error)")
        }

        // 2. Configuration round trip through JSON and the registry.
        do {
            let description = LayerRegistry.describe(layer)
            let decoded = try JSONDecoder().decode(LayerDescription.self, from: JSONEncoder().encode(description))
            let rebuilt = try LayerRegistry.makeLayer(from: decoded)
            let same = (rebuilt as? L)?.configuration == layer.configuration
            report.record(
                "configuration", same,
                same
                    ? "round trip through JSON gives an equal configuration"
                    : "rebuilt \(type(of: rebuilt)) with a different configuration")
        } catch {
            report.record("configuration", false, "\(error)")
        }

        // 3. Save and load a model holding the layer.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rek-layer-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try model.save(to: folder)
            let loaded = try Sequential.load(from: folder)
            let same = try loaded.predict(x) == model.predict(x)
            report.record(
                "save and load", same,
                same ? "reloaded model predicts identically" : "reloaded model predicts differently")
        } catch {
            report.record("save and load", false, "\(error)")
        }

        // 4. Backward against finite differences.
        do {
            let check = try GradientCheck.run(
                layer, inputShape: x.shape, input: x, seed: seed, tolerance: gradientTolerance,
                training: gradientCheckInTraining)
            report.record("gradients", check.passed, check.description)
        } catch {
            report.record("gradients", false, "\(error)")
        }

        // 5. A few optimizer steps lower a loss.
        if layer.parameters.contains(where: \.isTrainable) {
            do {
                let target = Tensor.normal(shape: [x.batchSize] + model.outputShape, using: &generator)
                model.compile(optimizer: Adam(learningRate: 1e-2), loss: .meanSquaredError)
                let first = try model.trainOnBatch(x, target)
                for _ in 1..<Swift.max(2, trainingSteps) { try model.trainOnBatch(x, target) }
                let last = try model.evaluate(x, target, batchSize: x.batchSize)
                report.record(
                    "training", last < first, "MSE \(first) → \(last) after \(Swift.max(2, trainingSteps)) Adam steps")
            } catch {
                report.record("training", false, "\(error)")
            }
        }
        return report
    }
}
