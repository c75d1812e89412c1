import Layers

/// The sheet-break article's recurrent autoencoder with any of the library's recurrent cells.
///
///     cell(32, sequences) → cell(16) → RepeatVector(timesteps) → cell(16, sequences)
///       → cell(32, sequences) → TimeDistributed(Dense(features))
///
/// Each `cell` is an ``Layers/LSTM``, ``Layers/GRU`` or ``Layers/SimpleRNN``. ``LSTMAutoencoder`` is the
/// LSTM case.
///
///     let gru = try RecurrentAutoencoder.make(cell: .gru, timesteps: 5, features: 59, seed: 1)
public enum RecurrentAutoencoder {
    /// The recurrent layer the autoencoder is made of.
    public enum Cell: String, Sendable, CaseIterable {
        /// ``Layers/LSTM``.
        case lstm
        /// ``Layers/GRU`` (Keras 3's `reset_after` form).
        case gru
        /// ``Layers/SimpleRNN``.
        case simpleRNN
    }

    /// Builds the model.
    /// - Parameters:
    ///   - cell: The recurrent layer.
    ///   - timesteps: The window length (the article's lookback, 5).
    ///   - features: The number of features per time step (59 for the sheet-break data).
    ///   - encoderUnits: The encoder sizes, per direction (mirrored by the decoder); `[32, 16]` by default.
    ///   - activation: The cells' activation; the article uses `.relu`.
    ///   - recurrentActivation: The gates' activation (LSTM and GRU); `.sigmoid` (Keras 3) by default.
    ///   - seed: Seeds the weight initialization.
    /// - Throws: ``Layers/LayerError`` when the sizes are not positive.
    public static func make(
        cell: Cell, timesteps: Int, features: Int, encoderUnits: [Int] = [32, 16],
        activation: Activation = .relu, recurrentActivation: Activation = .sigmoid,
        seed: UInt64 = 0
    ) throws -> Sequential {
        func recurrent(_ units: Int, returnSequences: Bool) -> any Layer {
            let layer: any Layer =
                switch cell {
                case .lstm:
                    LSTM(
                        units: units, activation: activation, recurrentActivation: recurrentActivation,
                        returnSequences: returnSequences)
                case .gru:
                    GRU(
                        units: units, activation: activation, recurrentActivation: recurrentActivation,
                        returnSequences: returnSequences)
                case .simpleRNN:
                    SimpleRNN(units: units, activation: activation, returnSequences: returnSequences)
                }
            return layer
        }
        let model = Sequential(inputShape: [timesteps, features], seed: seed)
        for (index, units) in encoderUnits.enumerated() {
            try model.add(recurrent(units, returnSequences: index < encoderUnits.count - 1))
        }
        try model.add(RepeatVector(count: timesteps))
        for units in encoderUnits.reversed() {
            try model.add(recurrent(units, returnSequences: true))
        }
        try model.add(TimeDistributed(Dense(units: features)))
        return model
    }
}
