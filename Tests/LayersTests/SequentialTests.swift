import Layers
import Tensor
import Testing

func seedAutoencoder(seed: UInt64 = 42) throws -> Sequential {
    try Sequential(inputShape: [5, 59], seed: seed) {
        LSTM(units: 32, activation: .relu, returnSequences: true)
        LSTM(units: 16, activation: .relu)
        RepeatVector(count: 5)
        LSTM(units: 16, activation: .relu, returnSequences: true)
        LSTM(units: 32, activation: .relu, returnSequences: true)
        TimeDistributed(Dense(units: 59))
    }
}

@Suite struct SequentialTests {
    @Test func parameterCountsMatchKeras() throws {
        let model = try seedAutoencoder()
        #expect(model.layers.map(\.parameterCount) == [11_776, 3_136, 0, 2_112, 6_272, 1_947])
        #expect(model.parameterCount == 25_243)
        #expect(model.outputShape == [5, 59])
        #expect(
            model.layers.map(\.name) == ["lstm", "lstm_1", "repeat_vector", "lstm_2", "lstm_3", "time_distributed"])
    }

    @Test func unnamedLayersGetKerasNames() throws {
        let model = try Sequential(inputShape: [8, 8, 2]) {
            Conv2D(filters: 2, kernelSize: 3, padding: .same)
            Conv2DTranspose(filters: 2, kernelSize: 3, padding: .same)
            MaxPooling2D()
            UpSampling2D()
            Conv2D(filters: 1, kernelSize: 1)
            Flatten()
            RepeatVector(count: 2)
        }
        #expect(
            model.layers.map(\.name) == [
                "conv2d", "conv2d_transpose", "max_pooling2d", "up_sampling2d", "conv2d_1",
                "flatten", "repeat_vector",
            ])
    }

    @Test func summaryPrintsKerasTable() throws {
        let summary = try seedAutoencoder().summary()
        #expect(summary.contains("│ lstm (LSTM)"))
        #expect(summary.contains("(None, 5, 32)"))
        #expect(summary.contains("11,776"))
        #expect(summary.contains("Total params: 25,243 (98.61 KB)"))
        #expect(summary.contains("Non-trainable params: 0 (0.00 B)"))
    }

    @Test func addThrowsNamingLayerAndShapes() throws {
        let model = Sequential(inputShape: [5, 59])
        try model.add(LSTM(units: 8))
        #expect(throws: LayerError.incompatibleInput(layer: "lstm_1", expected: "[timesteps, features]", received: [8]))
        {
            try model.add(LSTM(units: 4))
        }
        #expect(
            throws: LayerError.invalidArgument(
                layer: "dense", argument: "units", value: "0", expected: "a positive integer")
        ) {
            try model.add(Dense(units: 0))
        }
    }

    @Test func sameSeedGivesSameWeightsAndLosses() throws {
        func run() throws -> ([Float], [Float]) {
            let model = try Sequential(inputShape: [4], seed: 9) {
                Dense(units: 8, activation: .relu)
                Dense(units: 4)
            }
            var generator = SeededGenerator(seed: 1)
            let x = Tensor.normal(shape: [50, 4], using: &generator)
            model.compile(optimizer: Adam(), loss: .meanSquaredError)
            let history = try model.fit(x, x, epochs: 3, batchSize: 16, verbose: .silent)
            return (model.parameters.flatMap(\.value.scalars), history.loss)
        }
        let (first, second) = (try run(), try run())
        #expect(first.0 == second.0)
        #expect(first.1 == second.1)
    }

    @Test func fitLearnsALinearMap() throws {
        // y = 2x − 1 must be learned: an end-to-end test that fails if any piece is wrong.
        let model = try Sequential(inputShape: [1], seed: 3) { Dense(units: 1) }
        let x = Tensor(shape: [64, 1], scalars: (0..<64).map { Float($0) / 32 - 1 })
        let y = x * 2 - 1
        model.compile(optimizer: SGD(learningRate: 0.1, momentum: 0.9), loss: .meanSquaredError)
        let history = try model.fit(x, y, epochs: 60, batchSize: 16, verbose: .silent)
        #expect(history.loss.last! < 1e-4)
        #expect(Swift.abs(model.layers[0].parameter(named: "kernel")!.value[0, 0] - 2) < 1e-2)
        #expect(Swift.abs(model.layers[0].parameter(named: "bias")!.value[0] + 1) < 1e-2)
    }

    @Test func validationSplitTakesTheLastSamples() throws {
        let model = try Sequential(inputShape: [2], seed: 3) { Dense(units: 2) }
        model.compile(optimizer: Adam(), loss: .meanSquaredError)
        let x = Tensor(shape: [10, 2], scalars: (0..<20).map(Float.init))
        let history = try model.fit(
            x, x, epochs: 2, batchSize: 4, validationSplit: 0.2, shuffle: false, verbose: .silent)
        #expect(history.validationLoss.count == 2)
        // Evaluating the last two samples by hand after training reproduces the final val_loss.
        let lastTwo = x.slicingBatch(8..<10)
        #expect(Swift.abs(try model.evaluate(lastTwo, lastTwo) - history.validationLoss[1]) < 1e-6)
    }

    @Test func nonFiniteLossStopsTraining() throws {
        let model = try Sequential(inputShape: [2], seed: 3) { Dense(units: 2) }
        model.compile(optimizer: SGD(learningRate: 1e30), loss: .meanSquaredError)
        let x = Tensor(shape: [4, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 1e20])
        #expect(throws: LayerError.self) { try model.fit(x, x, epochs: 5, batchSize: 4, verbose: .silent) }
    }

    @Test func trainingWithoutCompileThrows() throws {
        let model = try Sequential(inputShape: [2]) { Dense(units: 2) }
        #expect(throws: LayerError.notCompiled) { try model.fit(Tensor(zeros: [1, 2]), Tensor(zeros: [1, 2])) }
    }

    @Test func wrongDataShapeThrows() throws {
        let model = try seedAutoencoder()
        model.compile(optimizer: Adam(), loss: .meanSquaredError)
        #expect(throws: LayerError.dataShapeMismatch(expected: [5, 59], received: [3, 5, 58])) {
            try model.predict(Tensor(zeros: [3, 5, 58]))
        }
    }

    @Test func progressBarDegradesToOneLinePerEpoch() throws {
        nonisolated(unsafe) var text = ""
        let logger = ProgressLogger(verbosity: .progressBar, epochs: 2, batchesPerEpoch: 3, interactive: false) {
            text += $0
        }
        let model = try Sequential(inputShape: [2]) { Dense(units: 2) }
        model.compile(optimizer: Adam(), loss: .meanSquaredError)
        let x = Tensor(shape: [6, 2], scalars: (0..<12).map(Float.init))
        try model.fit(x, x, epochs: 2, batchSize: 2, validationData: (x, x), verbose: .silent, callbacks: [logger])
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("Epoch 1/2 - 3/3 "))
        #expect(lines[0].contains("- loss: ") && lines[0].contains("- val_loss: "))
        #expect(!text.contains("\r"))
    }

    @Test func progressBarRedrawsInPlaceOnATerminal() throws {
        nonisolated(unsafe) var text = ""
        let logger = ProgressLogger(verbosity: .progressBar, epochs: 1, batchesPerEpoch: 3, interactive: true) {
            text += $0
        }
        let model = try Sequential(inputShape: [2]) { Dense(units: 2) }
        model.compile(optimizer: Adam(), loss: .meanSquaredError)
        let x = Tensor(shape: [6, 2], scalars: (0..<12).map(Float.init))
        try model.fit(x, x, epochs: 1, batchSize: 2, verbose: .silent, callbacks: [logger])
        #expect(text.hasPrefix("Epoch 1/1\n"))
        #expect(text.contains("\r3/3 ━━━━━━━━━━━━━━━━━━━━ "))
    }
}
