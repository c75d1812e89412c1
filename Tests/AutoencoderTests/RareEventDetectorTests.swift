import RareEventKit
import Testing

@Suite struct RareEventDetectorTests {
    /// A model whose reconstruction is exactly zero, so every score is a known function of the input.
    func zeroModel(_ shape: [Int]) throws -> Sequential {
        let model = try Sequential(inputShape: shape) {
            TimeDistributed(Dense(units: shape.last!, kernelInitializer: .zeros))
        }
        return model
    }

    @Test func scoresTheLastTimestepLikeTheReferenceOrTheWholeWindow() throws {
        let model = try zeroModel([2, 2])
        let x = Tensor(shape: [2, 2, 2], scalars: [1, 1, 2, 2, 0, 0, 3, 1])
        #expect(try RareEventDetector(model: model).scores(x) == [4, 5])
        #expect(try RareEventDetector(model: model, windowScoring: .wholeWindow).scores(x) == [2.5, 2.5])
        #expect(try RareEventDetector(model: model, error: .meanAbsolute).scores(x) == [2, 2])
    }

    @Test func calibratesClassifiesAndReports() throws {
        let model = try Sequential(inputShape: [1]) { Dense(units: 1, kernelInitializer: .zeros) }
        let x = Tensor(shape: [6, 1], scalars: [0.1, 0.2, 0.3, 0.9, 1.0, 0.25])
        let labels = [0, 0, 0, 1, 1, 0]
        var detector = RareEventDetector(model: model)
        // Scores are x², so 0.9 and 1.0 are separated from the rest.
        let threshold = try detector.calibrate(.precisionEqualsRecall, validation: (x, labels))
        #expect(threshold == Float(0.9) * Float(0.9))
        detector.threshold = 0.5
        #expect(try detector.classify(x) == [0, 0, 0, 1, 1, 0])
        let report = try detector.evaluate(x, labels: labels)
        #expect(
            report.confusionMatrix
                == ConfusionMatrix(trueNegatives: 4, falsePositives: 0, falseNegatives: 0, truePositives: 2))
        #expect(report.rocAUC == 1)
        #expect(report.description.contains("2 of 2 events caught"))
        let normal = Tensor(shape: [2, 1], scalars: [1, 3])
        #expect(try detector.calibrate(.meanPlusStandardDeviations(1), normalTraining: normal) == 9)
    }

    @Test func buildersHaveTheReferenceParameterCounts() throws {
        #expect(try LSTMAutoencoder.make(timesteps: 5, features: 59).parameterCount == 25_243)
        #expect(try DenseAutoencoder.make(features: 59).layers.map(\.parameterCount) == [1_920, 528, 272, 544, 1_947])
        #expect(try ECGAutoencoder.make().parameterCount == 10_484)
        // Keras 3.15.1 counts for the same models on [5, 59] windows.
        #expect(try RecurrentAutoencoder.make(cell: .gru, timesteps: 5, features: 59).parameterCount == 19_707)
        #expect(try Conv1DAutoencoder.make(timesteps: 5, features: 59).parameterCount == 14_539)
    }
}
