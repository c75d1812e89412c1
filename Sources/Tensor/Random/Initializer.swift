/// How a weight tensor is filled before training; the same names and formulas as Keras' initializers.
///
///     Initializer.glorotUniform.tensor(shape: [59, 32], using: &generator)
public enum Initializer: String, Codable, Sendable, CaseIterable {
    /// `U(−l, l)` with `l = √(6 / (fanIn + fanOut))` (Keras `glorot_uniform`, the default for kernels).
    case glorotUniform = "glorot_uniform"
    /// A (semi-)orthogonal matrix: QR of a standard normal matrix with the signs of R's diagonal applied
    /// (Keras `orthogonal`, the default for recurrent kernels).
    case orthogonal
    /// All zeros (Keras `zeros`, the default for biases).
    case zeros
    /// All ones.
    case ones
    /// `U(−0.05, 0.05)` (Keras `random_uniform` defaults).
    case randomUniform = "random_uniform"
    /// `N(0, 0.05²)` (Keras `random_normal` defaults).
    case randomNormal = "random_normal"
    /// `U(−l, l)` with `l = √(6 / fanIn)` (Keras `he_uniform`).
    case heUniform = "he_uniform"

    /// A tensor of `shape` drawn from this initializer.
    ///
    /// Fans follow Keras: for a rank-2 shape `[fanIn, fanOut]`; for higher ranks the leading axes
    /// multiply into a receptive field.
    public func tensor<G: RandomNumberGenerator>(shape: [Int], using generator: inout G) -> Tensor {
        let count = shape.reduce(1, *)
        let (fanIn, fanOut) = Initializer.fans(shape)
        switch self {
        case .zeros: return Tensor(zeros: shape)
        case .ones: return Tensor(repeating: 1, shape: shape)
        case .glorotUniform:
            return .uniform(
                shape: shape, limit: (6 / Float(Swift.max(1, fanIn + fanOut))).squareRoot(), using: &generator)
        case .heUniform:
            return .uniform(shape: shape, limit: (6 / Float(Swift.max(1, fanIn))).squareRoot(), using: &generator)
        case .randomUniform:
            return .uniform(shape: shape, limit: 0.05, using: &generator)
        case .randomNormal:
            return Tensor(shape: shape, scalars: (0..<count).map { _ in 0.05 * generator.normal() })
        case .orthogonal:
            return Initializer.orthogonalMatrix(shape: shape, using: &generator)
        }
    }

    static func fans(_ shape: [Int]) -> (Int, Int) {
        switch shape.count {
        case 0: return (1, 1)
        case 1: return (shape[0], shape[0])
        case 2: return (shape[0], shape[1])
        default:
            let receptive = shape.dropLast(2).reduce(1, *)
            return (shape[shape.count - 2] * receptive, shape[shape.count - 1] * receptive)
        }
    }

    /// Keras' orthogonal initializer: rows = product of leading axes, columns = last axis; factor the
    /// taller orientation with QR (modified Gram–Schmidt in Double, which yields R with a positive
    /// diagonal, i.e. `q · sign(diag(r))`), and transpose back when there are fewer rows than columns.
    static func orthogonalMatrix<G: RandomNumberGenerator>(shape: [Int], using generator: inout G) -> Tensor {
        let columns = shape.last ?? 1
        let rows = Swift.max(1, shape.count) == 1 ? 1 : shape.dropLast().reduce(1, *)
        let tall = Swift.max(rows, columns)
        let narrow = Swift.min(rows, columns)
        // a is tall × narrow, stored by column for Gram–Schmidt.
        var q = (0..<narrow).map { _ in (0..<tall).map { _ in Double(generator.normal()) } }
        for j in 0..<narrow {
            for p in 0..<j {
                var dot = 0.0
                for i in 0..<tall { dot += q[p][i] * q[j][i] }
                for i in 0..<tall { q[j][i] -= dot * q[p][i] }
            }
            var norm = 0.0
            for i in 0..<tall { norm += q[j][i] * q[j][i] }
            norm = norm.squareRoot()
            for i in 0..<tall { q[j][i] /= norm }
        }
        var scalars = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for c in 0..<columns {
                // rows ≥ columns: element (r, c) = q[c][r]; otherwise the transpose: q[r][c].
                scalars[r * columns + c] = Float(rows >= columns ? q[c][r] : q[r][c])
            }
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}

extension Tensor {
    /// Uniform samples in `[−limit, limit)`.
    public static func uniform<G: RandomNumberGenerator>(shape: [Int], limit: Float, using generator: inout G) -> Tensor
    {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<count).map { _ in (2 * generator.unitFloat() - 1) * limit })
    }

    /// Standard normal samples.
    public static func normal<G: RandomNumberGenerator>(shape: [Int], using generator: inout G) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in generator.normal() })
    }
}

extension RandomNumberGenerator {
    /// A uniform float in `[0, 1)` from the top 24 bits of one draw (identical on every platform).
    public mutating func unitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal sample (Box–Muller), computed in Double with platform-independent math.
    public mutating func normal() -> Float {
        let u1 = (Double(next() >> 11) + 1) * (1.0 / 9_007_199_254_740_993.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * portableLog(u1)).squareRoot() * portableCos(2 * Double.pi * u2))
    }
}
