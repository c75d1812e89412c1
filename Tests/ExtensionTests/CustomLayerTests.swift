// This target plays "another package": it sees only RareEventKit's public API, defines its own
// layer, and checks that the layer builds, gradient-checks, trains, and round-trips its configuration.
import Foundation
import RareEventKit
import Testing

/// `y = x ⊙ scale + shift` followed by Swish (`y·σ(y)`), with a learnable per-feature scale and shift.
final class ScaledSwish: Layer {
    struct Configuration: LayerConfiguration {
        var name: String
    }

    static let typeName = "ScaledSwish"
    var configuration: Configuration
    private(set) var scale: Parameter?
    private(set) var shift: Parameter?
    private var cachedInput: Tensor?
    private var cachedAffine: Tensor?

    init(configuration: Configuration) { self.configuration = configuration }
    convenience init(name: String = "") { self.init(configuration: Configuration(name: name)) }
    var parameters: [Parameter] { [scale, shift].compactMap { $0 } }

    func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard let last = inputShape.last, last > 0 else {
            throw LayerError.incompatibleInput(layer: name, expected: "[…, features]", received: inputShape)
        }
        return inputShape
    }

    func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        let features = try outputShape(for: inputShape).last!
        scale = Parameter(name: "scale", value: Initializer.ones.tensor(shape: [features], using: &generator))
        shift = Parameter(name: "shift", value: Initializer.zeros.tensor(shape: [features], using: &generator))
    }

    func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard let scale, let shift else { throw LayerError.notBuilt(layer: name) }
        let affine = input.multiplyingRowVector(scale.value).addingRowVector(shift.value)
        cachedInput = input
        cachedAffine = affine
        return affine.map { $0 / (1 + Float.exp(-$0)) }
    }

    func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let scale, let shift, let input = cachedInput, let affine = cachedAffine else {
            throw LayerError.notBuilt(layer: name)
        }
        let swishDerivative = affine.map { a in
            let s = 1 / (1 + Float.exp(-a))
            return s + a * s * (1 - s)
        }
        let affineGradient = outputGradient * swishDerivative
        scale.gradient += (affineGradient * input).sumOverRows()
        shift.gradient += affineGradient.sumOverRows()
        return affineGradient.multiplyingRowVector(scale.value)
    }
}

extension Float {
    static func exp(_ x: Float) -> Float { Float(Foundation.exp(Double(x))) }
}

@Suite struct CustomLayerTests {
    @Test func customLayerPassesGradientCheck() throws {
        let layer = ScaledSwish(name: "scaled_swish")
        var generator = SeededGenerator(seed: 0)
        try layer.build(inputShape: [3], using: &generator)
        // Move off the identity initialization so every weight matters.
        layer.parameters[0].value = Tensor([0.5, -1.5, 2])
        layer.parameters[1].value = Tensor([0.1, 0.2, -0.3])
        let report = try GradientCheck.run(layer, inputShape: [4, 3], seed: 11)
        #expect(report.passed, "\(report)")
    }

    @Test func customLayerPassesTheLayerTestKit() {
        LayerRegistry.register(ScaledSwish.self)
        let report = LayerTest.run(ScaledSwish(), inputShape: [3], expectedOutputShape: [3], expectedParameterCount: 6)
        #expect(report.passed, "\(report)")
    }

    @Test func customLayerTrainsInsideSequential() throws {
        let model = try Sequential(inputShape: [4], seed: 5) {
            Dense(units: 8)
            ScaledSwish()
            Dense(units: 4)
        }
        #expect(model.layers[1].name == "scaled_swish")
        #expect(model.parameterCount == 40 + 16 + 36)
        #expect(model.summary().contains("scaled_swish (ScaledSwish)"))
        var generator = SeededGenerator(seed: 2)
        let x = Tensor.normal(shape: [128, 4], using: &generator)
        model.compile(optimizer: Adam(learningRate: 1e-2), loss: .meanSquaredError)
        let history = try model.fit(x, x, epochs: 40, batchSize: 32, verbose: .silent)
        #expect(history.loss.last! < history.loss.first! * 0.2, "loss \(history.loss.first!) → \(history.loss.last!)")
    }

    @Test func registeredCustomLayerRoundTripsItsDescription() throws {
        LayerRegistry.register(ScaledSwish.self)
        let description = LayerRegistry.describe(TimeDistributed(ScaledSwish(name: "inner")))
        let rebuilt = try LayerRegistry.makeLayer(from: description)
        let wrapper = try #require(rebuilt as? TimeDistributed)
        #expect((wrapper.layer as? ScaledSwish)?.name == "inner")
    }

    @Test func modelWithACustomLayerSavesAndReloads() throws {
        LayerRegistry.register(ScaledSwish.self)
        let model = try Sequential(inputShape: [4], seed: 5) {
            Dense(units: 8)
            ScaledSwish()
            Dense(units: 4)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-ext-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.save(to: folder)
        let loaded = try Sequential.load(from: folder)
        var generator = SeededGenerator(seed: 6)
        let x = Tensor.normal(shape: [3, 4], using: &generator)
        #expect(try loaded.predict(x) == model.predict(x))
        #expect(loaded.layers[1] is ScaledSwish)
    }
}

/// `y = x ⊙ w` with a learnable per-feature `w`, whose `Configuration` leaves `name` out of its JSON
/// (custom `CodingKeys`), as a user who sees no reason to store it would write it.
final class ScaleWithoutStoredName: Layer {
    struct Configuration: LayerConfiguration {
        var initialScale: Float
        var name = ""
        enum CodingKeys: String, CodingKey { case initialScale }
    }

    static let typeName = "ScaleWithoutStoredName"
    var configuration: Configuration
    private(set) var w: Parameter?
    private var cachedInput: Tensor?

    init(configuration: Configuration) { self.configuration = configuration }
    convenience init(initialScale: Float = 1, name: String = "") {
        self.init(configuration: Configuration(initialScale: initialScale, name: name))
    }
    var parameters: [Parameter] { [w].compactMap { $0 } }

    func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        w = Parameter(name: "w", value: Tensor(repeating: configuration.initialScale, shape: [inputShape.last!]))
    }

    func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard let w else { throw LayerError.notBuilt(layer: name) }
        cachedInput = input
        return input.multiplyingRowVector(w.value)
    }

    func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let w, let input = cachedInput else { throw LayerError.notBuilt(layer: name) }
        w.gradient += (outputGradient * input).sumOverRows()
        return outputGradient.multiplyingRowVector(w.value)
    }
}

/// A layer whose `name` cannot be set: its configuration's `name` is computed.
final class Unnameable: Layer {
    struct Configuration: LayerConfiguration {
        var name: String {
            get { "" }
            set {}
        }
    }
    static let typeName = "Unnameable"
    var configuration = Configuration()
    init(configuration: Configuration) {}
    init() {}
    func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    func forward(_ input: Tensor, training: Bool) throws -> Tensor { input }
    func backward(_ outputGradient: Tensor) throws -> Tensor { outputGradient }
}

@Suite struct LayerNameTests {
    /// The library stores each layer's name itself: a configuration that leaves it out still saves
    /// and loads an explicitly named layer, with its weights.
    @Test func explicitlyNamedLayerWithoutNameInItsConfigurationSavesAndLoads() throws {
        LayerRegistry.register(ScaleWithoutStoredName.self)
        let model = try Sequential(inputShape: [3], seed: 4) {
            Dense(units: 3)
            ScaleWithoutStoredName(initialScale: 2, name: "scale")
            ScaleWithoutStoredName(initialScale: 3)
        }
        #expect(model.layers.map(\.name) == ["dense", "scale", "scale_without_stored_name"])
        // Weights that differ from what `build` draws, so loading them is what makes predictions match.
        model.layers[1].parameters[0].value = Tensor([0.5, -1.5, 2])
        model.layers[2].parameters[0].value = Tensor([-0.25, 4, 1])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-ext-name-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.save(to: folder)
        let loaded = try Sequential.load(from: folder)
        #expect(loaded.layers.map(\.name) == ["dense", "scale", "scale_without_stored_name"])
        #expect(loaded.layers[1].parameters[0].value == Tensor([0.5, -1.5, 2]))
        #expect(loaded.layers[2].parameters[0].value == Tensor([-0.25, 4, 1]))
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, -1, 0.5, 4])
        #expect(try loaded.predict(x) == model.predict(x))
        // The registry round trip (TimeDistributed, LayerTest) keeps the name too.
        let description = LayerRegistry.describe(ScaleWithoutStoredName(name: "inner"))
        #expect(try LayerRegistry.makeLayer(from: description).name == "inner")
    }

    /// A layer that cannot take a name is refused when added, with an error that says why, instead of
    /// saving weights under a name that loading cannot find.
    @Test func layerThatCannotTakeANameIsRefusedClearly() throws {
        let model = Sequential(inputShape: [3])
        #expect {
            try model.add(Unnameable())
        } throws: { error in
            guard case let LayerError.invalidArgument(layer, argument, value, expected)? = error as? LayerError else {
                return false
            }
            return layer == "Unnameable" && argument == "name" && value == "\"\" after setting \"unnameable\""
                && expected.contains("stored property of its Configuration")
        }
        #expect(model.layers.isEmpty)
        // Loading such a layer under a stored name fails the same way, naming the type.
        LayerRegistry.register(Unnameable.self)
        #expect {
            try LayerRegistry.makeLayer(
                from: LayerDescription(type: "Unnameable", config: .object(["name": .string("gate")])))
        } throws: { error in
            guard case let LayerError.invalidConfiguration(type, reason)? = error as? LayerError else { return false }
            return type == "Unnameable" && reason.contains("does not keep the name \"gate\"")
        }
    }
}
