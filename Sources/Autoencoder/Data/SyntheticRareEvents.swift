import Tensor

/// A built-in multivariate series with rare events, shaped like the paper-mill sheet-break data,
/// so the examples and tests run on a fresh clone without the real file.
///
/// Sensors are noisy mixtures of a few slow shared factors (as real process sensors are
/// correlated). Rare events (`label == 1`, about 0.7% of rows) are preceded by a short build-up
/// in which a random subset of sensors drifts away from the normal mixture — the pattern an
/// autoencoder trained on normal data is meant to flag before the event happens.
///
///     let data = SyntheticRareEvents.make(rows: 6_000, features: 59, seed: 7)
///     data.features.shape   // [6000, 59]
public struct SyntheticRareEvents: Sendable {
    /// `[rows, features]` sensor readings.
    public var features: Tensor
    /// 1 on event rows, 0 elsewhere.
    public var labels: [Int]

    /// Generates the series.
    /// - Parameters:
    ///   - rows: The number of rows (time steps).
    ///   - features: The number of sensors.
    ///   - eventRate: The fraction of rows that are events.
    ///   - leadTime: How many rows before an event the build-up starts.
    ///   - seed: Seeds the generator; the same seed gives the same series.
    public static func make(
        rows: Int = 6_000, features: Int = 59, eventRate: Double = 0.007,
        leadTime: Int = 4, seed: UInt64 = 7
    ) -> SyntheticRareEvents {
        var generator = SeededGenerator(seed: seed)
        let factorCount = 4
        let loadings = Tensor.normal(shape: [factorCount, features], using: &generator)
        var factors = [Float](repeating: 0, count: factorCount)
        var labels = [Int](repeating: 0, count: rows)
        let eventCount = Swift.max(1, Int(Double(rows) * eventRate))
        var eventRows = Set<Int>()
        while eventRows.count < eventCount {
            let row = Int.random(in: (leadTime + 10)..<Swift.max(leadTime + 11, rows), using: &generator)
            if !eventRows.contains(where: { Swift.abs($0 - row) < 3 * leadTime }) { eventRows.insert(row) }
        }
        var drift = [Float](repeating: 0, count: features)
        var values = [Float](repeating: 0, count: rows * features)
        for row in 0..<rows {
            for k in 0..<factorCount { factors[k] = 0.95 * factors[k] + 0.3 * generator.normal() }
            // Build-up before an event: a fresh random subset of sensors drifts, growing each row.
            if let event = eventRows.first(where: { $0 > row && $0 - row <= leadTime }) {
                let strength = Float(leadTime - (event - row) + 1) / Float(leadTime)
                if event - row == leadTime {
                    for j in 0..<features { drift[j] = generator.unitFloat() < 0.3 ? generator.normal() * 2.5 : 0 }
                }
                for j in 0..<features { values[row * features + j] += drift[j] * strength }
            }
            if eventRows.contains(row) { labels[row] = 1 }
            for j in 0..<features {
                var mixture: Float = 0
                for k in 0..<factorCount { mixture += factors[k] * loadings[k, j] }
                values[row * features + j] += mixture + 0.3 * generator.normal()
            }
        }
        return SyntheticRareEvents(features: Tensor(shape: [rows, features], scalars: values), labels: labels)
    }
}
