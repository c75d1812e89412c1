extension Tensor {
    /// Whether every element is close to the corresponding element of `other`.
    ///
    /// Two elements `a`, `b` are close when `|a − b| ≤ max(absoluteTolerance, relativeTolerance · max(|a|, |b|))`,
    /// the rule of swift-numerics' `isApproximatelyEqual`. The default relative tolerance, √ulp(1) ≈ 3.5e-4,
    /// accepts float32 round-off accumulated over a few hundred operations and nothing coarser.
    public func isApproximatelyEqual(
        to other: Tensor,
        absoluteTolerance: Float = 0,
        relativeTolerance: Float = Float.ulpOfOne.squareRoot()
    ) -> Bool {
        guard shape == other.shape else { return false }
        return zip(scalars, other.scalars).allSatisfy { a, b in
            Swift.abs(a - b) <= Swift.max(absoluteTolerance, relativeTolerance * Swift.max(Swift.abs(a), Swift.abs(b)))
        }
    }

    /// The largest `|a − b| / max(|b|, floor)` over all elements (`floor` keeps near-zero references finite).
    public func maximumRelativeDifference(from reference: Tensor, floor: Float = 1e-3) -> Float {
        precondition(shape == reference.shape, "compare shapes \(shape) and \(reference.shape)")
        var worst: Float = 0
        for (a, b) in zip(scalars, reference.scalars) {
            worst = Swift.max(worst, Swift.abs(a - b) / Swift.max(Swift.abs(b), floor))
        }
        return worst
    }
}
