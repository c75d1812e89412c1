import Layers
import Tensor
import Testing

/// Layers split batches across threads; results must not depend on how, or on the thread count.
@Suite struct ThreadingTests {
    /// An LSTM processes bands of rows concurrently: each row's output and gradients must be exactly
    /// what that row gives on its own.
    @Test(arguments: [true, false])
    func lstmRowsAreIndependentOfTheirBatch(returnSequences: Bool) throws {
        var generator = SeededGenerator(seed: 9)
        let lstm = LSTM(units: 12, activation: .relu, returnSequences: returnSequences)
        try lstm.build(inputShape: [4, 7], using: &generator)
        let batch = 150  // several bands
        let x = Tensor.normal(shape: [batch, 4, 7], using: &generator)
        let y = try lstm.forward(x, training: true)
        let dy = Tensor.normal(shape: y.shape, using: &generator)
        let dx = try lstm.backward(dy)
        for row in [0, 63, 64, 149] {
            let single = try lstm.forward(x.slicingBatch(row..<row + 1), training: true)
            #expect(single == y.slicingBatch(row..<row + 1))
            #expect(try lstm.backward(dy.slicingBatch(row..<row + 1)) == dx.slicingBatch(row..<row + 1))
        }
    }

    /// Adam shares a large parameter's update between threads in chunks: the same weights for every
    /// thread count, and a non-finite gradient in any chunk refuses the whole step.
    @Test func adamUpdatesOfLargeParametersAreBitIdenticalAndRefuseNonFiniteChunks() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var generator = SeededGenerator(seed: 12)
        let count = 3 * 16_384 + 123  // four chunks, the last one short
        let start = Tensor.normal(shape: [count], using: &generator)
        let gradient = Tensor.normal(shape: [count], using: &generator)
        func trained(threads: Int, poisonAt poison: Int? = nil) -> (weights: Tensor, refused: Int?) {
            Parallel.threadCount = threads
            let parameter = Parameter(name: "kernel", value: start)
            let adam = Adam()
            var refused: Int?
            for step in 0..<3 {
                parameter.gradient = gradient * Float(step + 1)
                if let poison, step == 2 { parameter.gradient[poison] = .infinity }
                refused = adam.updateIfFinite([parameter])
            }
            return (parameter.value, refused)
        }
        let one = trained(threads: 1)
        #expect(one.refused == nil && one.weights != start)
        for threads in [2, 4] { #expect(trained(threads: threads).weights == one.weights) }
        let afterTwoSteps = trained(threads: 1, poisonAt: 0).weights
        for poison in [5, 16_384 + 7, count - 1] {
            for threads in [1, 2] {
                let poisoned = trained(threads: threads, poisonAt: poison)
                #expect(poisoned.refused == 0, "poison at \(poison), \(threads) threads")
                #expect(poisoned.weights == afterTwoSteps, "poison at \(poison), \(threads) threads")
            }
        }
    }

    @Test func trainingIsBitIdenticalForEveryThreadCount() throws {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var generator = SeededGenerator(seed: 4)
        let x = Tensor.normal(shape: [200, 5, 59], using: &generator)
        var runs: [([Tensor], [Float])] = []
        for threads in [1, 2, 4] {
            Parallel.threadCount = threads
            let model = try seedAutoencoder(seed: 3)
            model.compile(optimizer: Adam(learningRate: 1e-3), loss: MeanSquaredError())
            let history = try model.fit(x, x, epochs: 2, batchSize: 64, verbose: .silent)
            runs.append((model.parameters.map(\.value), history.loss))
        }
        #expect(runs[0].0 == runs[1].0 && runs[1].0 == runs[2].0)
        #expect(runs[0].1 == runs[1].1 && runs[1].1 == runs[2].1)
    }

    /// GRU autoencoders of both layouts (the fused C cell, bands of rows on several threads) train to
    /// the same bits with 1, 2 or 4 threads.
    @Test(arguments: [true, false])
    func gruTrainingIsBitIdenticalForEveryThreadCount(resetAfter: Bool) throws {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var generator = SeededGenerator(seed: 6)
        let x = Tensor.normal(shape: [150, 5, 23], using: &generator)
        var runs: [([Tensor], [Float])] = []
        for threads in [1, 2, 4] {
            Parallel.threadCount = threads
            let model = try Sequential(inputShape: [5, 23], seed: 3) {
                GRU(units: 20, returnSequences: true, resetAfter: resetAfter)
                GRU(units: 9, activation: .relu, recurrentActivation: .hardSigmoid, resetAfter: resetAfter)
                RepeatVector(count: 5)
                GRU(units: 17, returnSequences: true, goBackwards: true, resetAfter: resetAfter)
                TimeDistributed(Dense(units: 23))
            }
            model.compile(optimizer: Adam(learningRate: 1e-3), loss: MeanSquaredError())
            let history = try model.fit(x, x, epochs: 2, batchSize: 64, verbose: .silent)
            runs.append((model.parameters.map(\.value), history.loss))
        }
        #expect(runs[0].0 == runs[1].0 && runs[1].0 == runs[2].0)
        #expect(runs[0].1 == runs[1].1 && runs[1].1 == runs[2].1)
    }

    @Test func normalizationTrainingIsBitIdenticalForEveryThreadCount() throws {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var generator = SeededGenerator(seed: 5)
        let x = Tensor.normal(shape: [96, 6, 16], using: &generator)
        var runs: [([Tensor], [Float])] = []
        for threads in [1, 2, 4] {
            Parallel.threadCount = threads
            let model = try Sequential(inputShape: [6, 16], seed: 2) {
                GaussianNoise(stddev: 0.1)
                Dense(units: 32, activation: .relu)
                BatchNormalization()
                LayerNormalization()
                Dense(units: 16)
            }
            model.compile(optimizer: Adam(learningRate: 1e-3), loss: MeanSquaredError())
            let history = try model.fit(x, x, epochs: 2, batchSize: 32, verbose: .silent)
            runs.append((model.parameters.map(\.value), history.loss))
        }
        #expect(runs[0].0 == runs[1].0 && runs[1].0 == runs[2].0)
        #expect(runs[0].1 == runs[1].1 && runs[1].1 == runs[2].1)
    }
}
