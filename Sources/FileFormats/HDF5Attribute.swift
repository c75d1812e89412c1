/// The values of an HDF5 attribute, decoded when the object is read.
public enum HDF5Value: Sendable, Equatable {
    /// Floating-point numbers (float32 values are exact as `Double`).
    case floats([Double])
    /// Integers, signed or unsigned.
    case integers([Int64])
    /// Fixed- or variable-length strings, decoded as UTF-8.
    case strings([String])
}

/// An attribute of an HDF5 group or dataset: a name, a shape and values.
public struct HDF5Attribute: Sendable, Equatable {
    /// The attribute's name.
    public let name: String
    /// The shape of its value (empty: a scalar).
    public let shape: [Int]
    /// The type of its elements.
    public let elementType: HDF5ElementType
    /// Its values, in row-major order.
    public let value: HDF5Value
    /// Where its message starts in the file.
    public let offset: Int

    /// The one string of a scalar or one-element string attribute.
    ///
    /// - Throws: ``FileFormatError/malformed(offset:expected:found:)`` when the attribute is not one string.
    public func string() throws(FileFormatError) -> String {
        guard case let .strings(strings) = value, strings.count == 1 else {
            throw .malformed(
                offset: offset, expected: "one string in attribute \(name)", found: "\(elementType) \(shape)")
        }
        return strings[0]
    }

    /// The strings of a string attribute (an empty numeric array, as Keras writes for "no names", gives []).
    ///
    /// - Throws: ``FileFormatError/malformed(offset:expected:found:)`` when the attribute holds numbers.
    public func strings() throws(FileFormatError) -> [String] {
        switch value {
        case let .strings(strings): return strings
        case let .floats(values) where values.isEmpty: return []
        case let .integers(values) where values.isEmpty: return []
        default:
            throw .malformed(offset: offset, expected: "strings in attribute \(name)", found: "\(elementType) values")
        }
    }

    /// The attributes of the object whose header is `header` (`path` names it in errors).
    static func all(_ file: HDF5File, header: HDF5ObjectHeader, path: String) throws(FileFormatError) -> [HDF5Attribute]
    {
        if let info = header.first(0x0015) {
            let flags = try file.input.uint8(info.offset + 1, "the attribute info flags")
            let heapAt = info.offset + 2 + (flags & 1 != 0 ? 2 : 0)
            let heap = try file.address(heapAt, "the dense attribute heap address")
            guard heap == file.undefinedAddress else {
                throw .unsupported(offset: info.offset, feature: "dense attribute storage (a fractal heap) in \(path)")
            }
        }
        var attributes: [HDF5Attribute] = []
        for message in header.messages where message.type == 0x000C {
            attributes.append(try HDF5Attribute(file, message: message, path: path))
        }
        return attributes
    }

    /// Parses an attribute message (type 0x000C, versions 1 to 3).
    init(_ file: HDF5File, message: HDF5Message, path: String) throws(FileFormatError) {
        let input = file.input
        let start = message.offset
        let end = start + message.size
        offset = start
        let version = try input.uint8(start, "the attribute message version")
        guard (1...3).contains(version) else {
            throw .malformed(offset: start, expected: "attribute message version 1, 2 or 3", found: "\(version)")
        }
        if message.flags & 0x02 != 0 {
            throw .unsupported(offset: start, feature: "shared attribute messages in \(path)")
        }
        let flags = try input.uint8(start + 1, "the attribute flags")
        if version >= 2, flags & 0x03 != 0 {
            throw .unsupported(offset: start + 1, feature: "attributes with shared datatypes or dataspaces in \(path)")
        }
        let nameSize = try input.uint16(start + 2, "the attribute name size")
        let typeSize = try input.uint16(start + 4, "the attribute datatype size")
        let spaceSize = try input.uint16(start + 6, "the attribute dataspace size")
        func padded(_ size: Int) -> Int { version == 1 ? (size + 7) & ~7 : size }
        let nameAt = start + (version == 3 ? 9 : 8)
        let typeAt = nameAt + padded(nameSize)
        let spaceAt = typeAt + padded(typeSize)
        let dataAt = spaceAt + padded(spaceSize)
        guard dataAt <= end else {
            throw .truncated(offset: end, expected: "the attribute's name, datatype and dataspace")
        }
        var nameBytes = nameSize
        while nameBytes > 0, try input.uint8(nameAt + nameBytes - 1, "the attribute name") == 0 { nameBytes -= 1 }
        name = try input.string(nameAt, nameBytes, "the attribute name")
        let type = try HDF5Datatype(input, at: typeAt, length: typeSize)
        let space = try HDF5Dataspace(input, at: spaceAt, length: spaceSize, lengthSize: file.lengthSize)
        shape = space.shape
        elementType = type.element
        let (bytes, overflow) = space.count.multipliedReportingOverflow(by: type.size)
        guard !overflow, bytes <= end - dataAt else {
            throw .truncated(offset: end, expected: "the \(space.count) values of attribute \(name) of \(path)")
        }
        value = try file.values(type, count: space.count, at: dataAt, what: "attribute \(name) of \(path)")
    }
}
