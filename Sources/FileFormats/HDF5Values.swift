/// The elements of an HDF5 dataset or numeric attribute, written little-endian: IEEE floats or
/// two's-complement signed integers.
///
///     .float32(kernel.scalars)  // Keras' weights
///     .int64([0])               // an optimizer's iteration count
public enum HDF5Values: Equatable, Sendable {
    /// 32-bit floats (`<f4`, `H5T_IEEE_F32LE`).
    case float32([Float])
    /// 64-bit floats (`<f8`, `H5T_IEEE_F64LE`).
    case float64([Double])
    /// 32-bit signed integers (`<i4`, `H5T_STD_I32LE`).
    case int32([Int32])
    /// 64-bit signed integers (`<i8`, `H5T_STD_I64LE`).
    case int64([Int64])

    /// The number of elements.
    public var count: Int {
        switch self {
        case let .float32(values): values.count
        case let .float64(values): values.count
        case let .int32(values): values.count
        case let .int64(values): values.count
        }
    }

    /// The size of one element in bytes.
    var elementSize: Int {
        switch self {
        case .float32, .int32: 4
        case .float64, .int64: 8
        }
    }

    /// The elements' bytes, little-endian.
    var littleEndianBytes: [UInt8] {
        switch self {
        case let .float32(values): Self.bytes(of: values.map(\.bitPattern))
        case let .float64(values): Self.bytes(of: values.map(\.bitPattern))
        case let .int32(values): Self.bytes(of: values)
        case let .int64(values): Self.bytes(of: values)
        }
    }

    private static func bytes<T: FixedWidthInteger>(of values: [T]) -> [UInt8] {
        #if _endian(little)
        values.withUnsafeBytes { Array($0) }
        #else
        values.map(\.littleEndian).withUnsafeBytes { Array($0) }
        #endif
    }
}

/// The value of an HDF5 attribute on a group or dataset.
///
/// Keras' weights files give each `vars` group a `name` attribute, a scalar variable-length UTF-8
/// string (``string(_:)``); legacy Keras files use string arrays such as `layer_names`.
///
///     try file.setAttribute("name", .string("dense"), on: "layers/dense/vars")
///     try file.setAttribute("keras_version", .fixedLengthString("3.15.1"))
public enum HDF5AttributeValue: Equatable, Sendable {
    /// A scalar variable-length UTF-8 string (h5py's `str`), stored in the file's global heap.
    case string(String)
    /// A one-dimensional array of variable-length UTF-8 strings.
    case strings([String])
    /// A scalar fixed-length UTF-8 string, as long as its UTF-8 bytes (at least 1), NUL-padded
    /// (h5py's `numpy.bytes_`).
    case fixedLengthString(String)
    /// A one-dimensional array of fixed-length UTF-8 strings, each padded with NUL bytes to the longest.
    case fixedLengthStrings([String])
    /// Numbers of the given shape (`[]` for a scalar): `shape`'s product must equal the value count.
    case numbers(HDF5Values, shape: [Int])

    /// A scalar 64-bit signed integer.
    public static func int64(_ value: Int64) -> HDF5AttributeValue { .numbers(.int64([value]), shape: []) }

    /// A scalar 32-bit float.
    public static func float32(_ value: Float) -> HDF5AttributeValue { .numbers(.float32([value]), shape: []) }

    /// A scalar 64-bit float.
    public static func float64(_ value: Double) -> HDF5AttributeValue { .numbers(.float64([value]), shape: []) }
}
