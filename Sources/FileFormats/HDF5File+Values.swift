extension HDF5File {
    /// The `count` elements of `type` at file offset `offset`, decoded (`what` names them in errors).
    func values(_ type: HDF5Datatype, count: Int, at offset: Int, what: String) throws(FileFormatError) -> HDF5Value {
        switch type.element {
        case .float: .floats(try numbers(type, count: count, at: offset, what: what, as: Double.self))
        case .signedInteger, .unsignedInteger: .integers(try integers(type, count: count, at: offset, what: what))
        case .fixedString, .variableString: .strings(try strings(type, count: count, at: offset, what: what))
        }
    }

    /// Calls `body` with the bit pattern of each of the `count` numbers at `offset` (byte order applied).
    private func eachElement(
        _ type: HDF5Datatype, count: Int, at offset: Int, what: String, _ body: (UInt64) throws(FileFormatError) -> Void
    ) throws(FileFormatError) {
        let (length, overflow) = count.multipliedReportingOverflow(by: type.size)
        guard !overflow else {
            throw .malformed(offset: offset, expected: "a smaller \(what)", found: "\(count) elements")
        }
        let size = type.size
        let bigEndian = type.bigEndian
        try input.withBytes(offset, length, "the \(count) values of \(what)") { raw throws(FileFormatError) in
            var position = 0
            for _ in 0..<count {
                var bits: UInt64 = 0
                for i in 0..<size {
                    let byte = UInt64(raw[position + (bigEndian ? i : size - 1 - i)])
                    bits = bits << 8 | byte
                }
                try body(bits)
                position += size
            }
        }
    }

    /// The numbers at `offset` converted to `T` (integers are converted too).
    func numbers<T: BinaryFloatingPoint>(
        _ type: HDF5Datatype, count: Int, at offset: Int, what: String, as: T.Type
    ) throws(FileFormatError) -> [T] {
        var result: [T] = []
        result.reserveCapacity(count)
        switch type.element {
        case .float(4):
            try eachElement(type, count: count, at: offset, what: what) { bits in
                result.append(T(Float(bitPattern: UInt32(truncatingIfNeeded: bits))))
            }
        case .float:
            try eachElement(type, count: count, at: offset, what: what) { bits in
                result.append(T(Double(bitPattern: bits)))
            }
        case .signedInteger, .unsignedInteger:
            for value in try integers(type, count: count, at: offset, what: what) { result.append(T(value)) }
        case .fixedString, .variableString:
            throw .malformed(offset: offset, expected: "numbers in \(what)", found: "\(type.element) values")
        }
        return result
    }

    /// The integers at `offset` (sign-extended; unsigned 64-bit values above `Int64.max` throw).
    func integers(_ type: HDF5Datatype, count: Int, at offset: Int, what: String) throws(FileFormatError) -> [Int64] {
        var result: [Int64] = []
        result.reserveCapacity(count)
        switch type.element {
        case let .signedInteger(byteCount):
            let shift = UInt64(64 - 8 * byteCount)
            try eachElement(type, count: count, at: offset, what: what) { bits in
                result.append(Int64(bitPattern: bits << shift) >> shift)
            }
        case .unsignedInteger:
            try eachElement(type, count: count, at: offset, what: what) { bits throws(FileFormatError) in
                guard bits <= UInt64(Int64.max) else {
                    throw .unsupported(offset: offset, feature: "unsigned values above 2^63 in \(what)")
                }
                result.append(Int64(bits))
            }
        default:
            throw .malformed(offset: offset, expected: "integers in \(what)", found: "\(type.element) values")
        }
        return result
    }

    /// The strings at `offset`: fixed-length ones in place, variable-length ones from the global heap.
    func strings(_ type: HDF5Datatype, count: Int, at offset: Int, what: String) throws(FileFormatError) -> [String] {
        let (length, overflow) = count.multipliedReportingOverflow(by: type.size)
        guard !overflow else {
            throw .malformed(offset: offset, expected: "a smaller \(what)", found: "\(count) elements")
        }
        try input.check(offset, length, "the \(count) strings of \(what)")
        var result: [String] = []
        result.reserveCapacity(count)
        switch type.element {
        case .fixedString:
            for i in 0..<count {
                let start = offset + i * type.size
                var end = start
                while end < start + type.size, input.bytes[input.start + end] != 0 { end += 1 }
                if type.padding == 2 {
                    while end > start, input.bytes[input.start + end - 1] == 0x20 { end -= 1 }
                }
                result.append(try input.string(start, end - start, "a string"))
            }
        case .variableString:
            var heaps = HDF5GlobalHeaps()
            for i in 0..<count {
                let element = offset + i * type.size
                let size = Int(try input.uint32(element, "a variable-length string's length"))
                let collection = try address(element + 4, "a global heap collection address")
                let index = Int(try input.uint32(element + 4 + offsetSize, "a global heap object index"))
                if size == 0 && (collection == 0 || collection == undefinedAddress) {
                    result.append("")
                    continue
                }
                let object = try heaps.object(self, collection: collection, index: index, at: element)
                guard size <= object.count else {
                    throw .malformed(
                        offset: element, expected: "a string of at most \(object.count) bytes (its heap object)",
                        found: "\(size) bytes")
                }
                result.append(try input.string(object.lowerBound, size, "a variable-length string"))
            }
        default:
            throw .malformed(offset: offset, expected: "strings in \(what)", found: "\(type.element) values")
        }
        return result
    }
}
