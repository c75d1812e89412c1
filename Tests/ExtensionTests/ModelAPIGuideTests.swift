import RareEventKit
// The code of Documentation/GettingStarted.md ("Layers, weights and gradients by name") and
// Documentation/DataPipeline.md (Double scores), compiled and run as another package would (keep them in step).
import Testing

@Suite struct ModelAPIGuideTests {
    @Test func gettingStartedNamedAccessRuns() throws {
        let encoder = try Sequential(inputShape: [5, 59], name: "encoder") {
            LSTM(units: 16, activation: .relu)
        }
        let autoencoder = try Sequential(inputShape: [5, 59], seed: 42) {
            encoder
            RepeatVector(count: 5)
            LSTM(units: 59, returnSequences: true)
        }
        let inner = autoencoder.layer(named: "encoder/lstm") as? LSTM  // nil for an unknown name
        #expect(inner?.units == 16)

        var weights = autoencoder.weightsByName  // [String: Tensor], copies
        weights["lstm/bias"] = Tensor(zeros: [4 * 59])
        try autoencoder.setWeights(weights)  // every name and shape checked before anything changes
        #expect(autoencoder.weightsByName["lstm/bias"] == Tensor(zeros: [4 * 59]))

        autoencoder.compile(optimizer: Adam(), loss: .meanSquaredError)
        let windows = Tensor(zeros: [8, 5, 59])
        let gradients = try autoencoder.gradients(windows, windows)  // no step taken, nothing accumulated
        #expect(gradients["encoder/lstm/kernel"]!.shape == [59, 64])
    }

    @Test func dataPipelineDoubleScoresRun() throws {
        let auc = try rocAUC(labels: [0, 1], scores: [0.3, 0.3 + 1e-9])  // 1.0, as sklearn (0.5 as Float)
        let alarms = try ConfusionMatrix(
            labels: [0, 1, 1], scores: [0.2, 0.5, 0.7], threshold: 0.5,
            positiveWhen: .greaterThanOrEqual)  // 0.5 counts: recall 1
        #expect(auc == 1)
        #expect(alarms.recall == 1)
    }
}
