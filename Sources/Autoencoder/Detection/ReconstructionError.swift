import Tensor

/// How a sample's reconstruction error is measured.
public enum ReconstructionError: String, Codable, Sendable, CaseIterable {
    /// Mean squared error over the sample's elements (the sheet-break articles).
    case meanSquared = "mse"
    /// Mean absolute error over the sample's elements (the ECG tutorial).
    case meanAbsolute = "mae"

    /// One error per sample: the mean over every element of each item along the batch axis.
    ///
    ///     ReconstructionError.meanSquared.perSample(x, reconstruction)   // [samples]
    ///
    /// - Precondition: both tensors have the same shape.
    public func perSample(_ input: Tensor, _ reconstruction: Tensor) -> [Float] {
        precondition(input.shape == reconstruction.shape,
                     "reconstruction error of shapes \(input.shape) and \(reconstruction.shape)")
        let width = Swift.max(1, input.itemCount)
        var errors = [Float](repeating: 0, count: input.batchSize)
        input.withUnsafeBufferPointer { x in
            reconstruction.withUnsafeBufferPointer { y in
                for sample in 0..<input.batchSize {
                    var total = 0.0
                    for j in (sample * width)..<((sample + 1) * width) {
                        let difference = Double(x[j] - y[j])
                        total += self == .meanSquared ? difference * difference : Swift.abs(difference)
                    }
                    errors[sample] = Float(total / Double(width))
                }
            }
        }
        return errors
    }
}
