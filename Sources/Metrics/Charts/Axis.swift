import Foundation

/// How an axis maps values to positions.
public enum AxisScale: Sendable, Hashable {
    /// Equal distances for equal differences.
    case linear
    /// Equal distances for equal ratios (base 10); non-positive values are not drawn.
    case logarithmic
}

/// A value range with "nice" tick marks (1, 2 or 5 × 10ⁿ steps, or powers of ten on a log axis).
struct Axis {
    var scale: AxisScale
    var lower: Double
    var upper: Double
    var ticks: [Double]

    init(values: [Double], scale: AxisScale, fixed: ClosedRange<Double>?, targetTicks: Int = 6) {
        self.scale = scale
        let finite = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
        if scale == .logarithmic {
            let low = fixed?.lowerBound ?? finite.min() ?? 1
            let high = fixed?.upperBound ?? finite.max() ?? 10
            let lowExponent = Foundation.floor(log10(Swift.max(low, .leastNormalMagnitude)))
            let highExponent = Swift.max(
                Foundation.ceil(log10(Swift.max(high, .leastNormalMagnitude))), lowExponent + 1)
            lower = pow(10, lowExponent)
            upper = pow(10, highExponent)
            ticks = stride(
                from: lowExponent, through: highExponent,
                by: Swift.max(1, Foundation.ceil((highExponent - lowExponent) / 8))
            )
            .map { pow(10, $0) }
            return
        }
        var low = fixed?.lowerBound ?? finite.min() ?? 0
        var high = fixed?.upperBound ?? finite.max() ?? 1
        if high <= low {
            (low, high) = (low - 0.5 * Swift.max(1, Swift.abs(low)), high + 0.5 * Swift.max(1, Swift.abs(high)))
        }
        let rough = (high - low) / Double(targetTicks)
        let magnitude = pow(10, Foundation.floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        if fixed == nil {
            low = Foundation.floor(low / step) * step
            high = Foundation.ceil(high / step) * step
        }
        lower = low
        upper = high
        ticks = stride(from: Foundation.ceil(low / step - 1e-9) * step, through: high + step * 1e-9, by: step).map {
            $0
        }
    }

    /// The position of `value` in `0...1` along the axis.
    func fraction(_ value: Double) -> Double {
        switch scale {
        case .linear: (value - lower) / (upper - lower)
        case .logarithmic: (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
    }

    func contains(_ value: Double) -> Bool {
        value.isFinite && (scale == .linear || value > 0)
    }

    static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = Swift.abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 { return String(format: "%.0e", value) }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
