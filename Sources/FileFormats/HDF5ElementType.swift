/// The type of one element of an HDF5 dataset or attribute, as far as ``HDF5File`` reads it.
public enum HDF5ElementType: Sendable, Equatable, CustomStringConvertible {
    /// An IEEE floating-point number of `byteCount` bytes (4: float32, 8: float64).
    case float(byteCount: Int)
    /// A two's-complement signed integer of `byteCount` bytes (1, 2, 4 or 8).
    case signedInteger(byteCount: Int)
    /// An unsigned integer of `byteCount` bytes (1, 2, 4 or 8).
    case unsignedInteger(byteCount: Int)
    /// A fixed-length string of `length` bytes (ASCII or UTF-8, padded with zeros or spaces).
    case fixedString(length: Int)
    /// A variable-length string, stored in the file's global heap (what h5py writes for `str`).
    case variableString

    /// "float32", "int64", "uint8", "string(8)" or "vlen string".
    public var description: String {
        switch self {
        case let .float(count): "float\(8 * count)"
        case let .signedInteger(count): "int\(8 * count)"
        case let .unsignedInteger(count): "uint\(8 * count)"
        case let .fixedString(length): "string(\(length))"
        case .variableString: "vlen string"
        }
    }
}

/// An HDF5 datatype message (type 0x0003): the element type, its size in bytes and its byte order.
struct HDF5Datatype: Sendable, Equatable {
    /// What the elements are.
    let element: HDF5ElementType
    /// The bytes one element takes in the data (16 for a variable-length string with 8-byte offsets).
    let size: Int
    /// Whether numbers are stored most significant byte first.
    let bigEndian: Bool
    /// For fixed-length strings: 0 (zero-terminated), 1 (zero-padded) or 2 (space-padded).
    let padding: Int

    /// Parses the datatype message at `offset` (at most `length` bytes).
    init(_ input: BinaryInput, at offset: Int, length: Int, depth: Int = 0) throws(FileFormatError) {
        guard length >= 8 else { throw .truncated(offset: offset + max(length, 0), expected: "an 8-byte datatype") }
        try input.check(offset, 8, "an 8-byte datatype")
        let classAndVersion = try input.uint8(offset, "the datatype class")
        let typeClass = Int(classAndVersion & 0x0F)
        let version = Int(classAndVersion >> 4)
        guard (1...4).contains(version) else {
            throw .malformed(offset: offset, expected: "datatype version 1 to 4", found: "\(version)")
        }
        let bits0 = try input.uint8(offset + 1, "the datatype bit field")
        let bits1 = try input.uint8(offset + 2, "the datatype bit field")
        let size = Int(try input.uint32(offset + 4, "the datatype size"))
        switch typeClass {
        case 0:  // fixed-point
            guard [1, 2, 4, 8].contains(size) else {
                throw .unsupported(offset: offset + 4, feature: "\(size)-byte integers")
            }
            element = bits0 & 0x08 != 0 ? .signedInteger(byteCount: size) : .unsignedInteger(byteCount: size)
            bigEndian = bits0 & 0x01 != 0
            padding = 0
        case 1:  // floating-point
            guard bits0 & 0x40 == 0 else { throw .unsupported(offset: offset + 1, feature: "VAX floating-point order") }
            guard size == 4 || size == 8 else {
                throw .unsupported(offset: offset + 4, feature: "\(size)-byte floating-point numbers")
            }
            element = .float(byteCount: size)
            bigEndian = bits0 & 0x01 != 0
            padding = 0
        case 3:  // string
            element = .fixedString(length: size)
            bigEndian = false
            padding = Int(bits0 & 0x0F)
        case 9:  // variable-length
            guard bits0 & 0x0F == 1 else {
                throw .unsupported(offset: offset + 1, feature: "variable-length sequences (other than strings)")
            }
            guard depth == 0 else { throw .unsupported(offset: offset, feature: "nested variable-length types") }
            let base = try HDF5Datatype(input, at: offset + 8, length: length - 8, depth: depth + 1)
            guard base.size == 1 else {
                throw .unsupported(offset: offset + 8, feature: "variable-length strings of \(base.element)")
            }
            guard size >= 4 + 4 else {
                throw .malformed(offset: offset + 4, expected: "a variable-length element size of 16", found: "\(size)")
            }
            element = .variableString
            bigEndian = false
            padding = 0
            _ = bits1
        default:
            let names = [2: "time", 4: "bit field", 5: "opaque", 6: "compound", 7: "reference", 8: "enum", 10: "array"]
            throw .unsupported(offset: offset, feature: "HDF5 \(names[typeClass] ?? "class \(typeClass)") datatypes")
        }
        self.size = size
    }
}

/// An HDF5 dataspace message (type 0x0001): the shape, empty for a scalar.
struct HDF5Dataspace: Sendable, Equatable {
    /// The dimensions (empty: a scalar).
    let shape: [Int]
    /// The number of elements (1 for a scalar, 0 for a null dataspace).
    let count: Int

    /// Parses the dataspace message at `offset` (at most `length` bytes).
    init(_ input: BinaryInput, at offset: Int, length: Int, lengthSize: Int) throws(FileFormatError) {
        let version = try input.uint8(offset, "the dataspace version")
        let rank = Int(try input.uint8(offset + 1, "the dataspace rank"))
        var isNull = false
        let dimensions: Int
        switch version {
        case 1: dimensions = offset + 8
        case 2:
            let type = try input.uint8(offset + 3, "the dataspace type")
            guard type <= 2 else {
                throw .malformed(offset: offset + 3, expected: "dataspace type 0, 1 or 2", found: "\(type)")
            }
            isNull = type == 2
            dimensions = offset + 4
        default: throw .malformed(offset: offset, expected: "dataspace version 1 or 2", found: "\(version)")
        }
        guard rank <= 32 else {
            throw .malformed(offset: offset + 1, expected: "a rank of at most 32", found: "\(rank)")
        }
        guard dimensions - offset + rank * lengthSize <= length else {
            throw .truncated(offset: offset + length, expected: "\(rank) dataspace dimensions")
        }
        var shape: [Int] = []
        var count = 1
        for i in 0..<rank {
            let at = dimensions + i * lengthSize
            let dimension = try input.uint(at, size: lengthSize, "a dataspace dimension")
            guard dimension <= UInt64(Int32.max) else {
                throw .malformed(offset: at, expected: "a dimension below 2^31", found: "\(dimension)")
            }
            shape.append(Int(dimension))
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(dimension))
            guard !overflow, product <= 1 << 40 else {
                throw .malformed(offset: at, expected: "fewer than 2^40 elements", found: "a larger shape")
            }
            count = product
        }
        self.shape = shape
        self.count = isNull ? 0 : count
    }
}
