import ExampleSupport
import Foundation
import RareEventKit
import TestSupport
import Testing

/// The fashion-mnist example's pipeline on small synthetic images; the 10-epoch runs on the real data
/// are in the README and Documentation/Images.md.
@Suite struct FashionMNISTExperimentTests {
    @Test(arguments: [FashionMNISTExperiment.ModelKind.basic, .denoise])
    func runsOnSyntheticImagesAndWritesItsArtifacts(model: FashionMNISTExperiment.ModelKind) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-fm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var experiment = FashionMNISTExperiment()
        experiment.model = model
        experiment.data = .synthetic(train: 128, test: 32)
        experiment.epochs = 2
        experiment.verbosity = .silent
        experiment.output = folder
        experiment.log = { _ in }
        let result = try experiment.run()
        #expect(result.history.validationLoss.count == 2)
        #expect(result.validationLoss < result.history.validationLoss.first!, "\(result.history.validationLoss)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files == ["loss.svg", "model", "reconstructions.png", "training.csv"])
        let reloaded = try Sequential.load(from: folder.appendingPathComponent("model"))
        #expect(reloaded.parameterCount == (model == .basic ? 101_200 : 3_217))
        // The grid: original (+ noisy) + reconstructed rows of ten 28×28 images, scaled 2×, with margins.
        let png = try Data(contentsOf: folder.appendingPathComponent("reconstructions.png"))
        let rows = model == .basic ? 2 : 3
        let header = [UInt8](png.prefix(24))
        #expect(header.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let width = header[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let height = header[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == (10 * 28 + 11 * 2) * 2 && height == (rows * 28 + (rows + 1) * 2) * 2)
    }

    @Test func noiseIsSeededAndClipped() {
        var a = SeededGenerator(seed: 3)
        var b = SeededGenerator(seed: 3)
        let images = FashionMNISTExperiment.syntheticImages(count: 4, seed: 1)
        let noisy = images.addingGaussianNoise(standardDeviation: 0.2, using: &a)
        #expect(noisy == images.addingGaussianNoise(standardDeviation: 0.2, using: &b))
        #expect(noisy.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        let spread = zip(noisy.scalars, images.scalars).map { Double($0 - $1) }
        #expect(spread.contains { $0 != 0 })
    }
}
