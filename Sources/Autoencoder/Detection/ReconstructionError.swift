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
        precondition(
            input.shape == reconstruction.shape,
            "reconstruction error of shapes \(input.shape) and \(reconstruction.shape)")
        let width = Swift.max(1, input.itemCount)
        var errors = [Float](repeating: 0, count: input.batchSize)
        input.withUnsafeBufferPointer { x in
            reconstruction.withUnsafeBufferPointer { y in
                for sample in 0..<input.batchSize {
                    errors[sample] = error(
                        x.baseAddress! + sample * width, y.baseAddress! + sample * width, count: width)
                }
            }
        }
        return errors
    }

    /// The error of one sample of `count` values: the formula of ``perSample(_:_:)``, shared with the
    /// streaming monitor so that both give bit-identical scores.
    func error(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var total = 0.0
        for j in 0..<count {
            let difference = Double(x[j] - y[j])
            total += self == .meanSquared ? difference * difference : Swift.abs(difference)
        }
        return Float(total / Double(count))
    }
}
