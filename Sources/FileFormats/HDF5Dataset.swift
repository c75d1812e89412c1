/// A dataset of an ``HDF5File``: its shape, element type and attributes; the values are read on demand.
///
///     let kernel = try file.dataset(at: "layers/dense/vars/0")
///     let values: [Float] = try kernel.floats()  // row-major, kernel.shape == [4, 3]
public struct HDF5Dataset: Sendable {
    /// The dataset's path from the root ("/layers/dense/vars/0").
    public let path: String
    /// Its shape (empty: a scalar).
    public let shape: [Int]
    /// The type of its elements.
    public let elementType: HDF5ElementType
    /// Its attributes.
    public let attributes: [HDF5Attribute]
    /// The number of elements (the product of the shape, 1 for a scalar).
    public let count: Int

    private let file: HDF5File
    private let type: HDF5Datatype
    /// The file offset of the values, or nil when the dataset was never written (all zeros).
    private let dataOffset: Int?

    /// Reads the dataset whose object header is `header`.
    init(_ file: HDF5File, header: HDF5ObjectHeader, path: String) throws(FileFormatError) {
        self.file = file
        self.path = path
        let input = file.input
        guard let layout = header.first(0x0008), let typeMessage = header.first(0x0003),
            let spaceMessage = header.first(0x0001)
        else {
            throw .malformed(
                offset: header.offset, expected: "layout, datatype and dataspace messages in dataset \(path)",
                found: "not all of them")
        }
        for message in [typeMessage, spaceMessage] where message.flags & 0x02 != 0 {
            throw .unsupported(offset: message.offset, feature: "shared (committed) datatypes or dataspaces in \(path)")
        }
        if let filters = header.first(0x000B) {
            throw .unsupported(offset: filters.offset, feature: "the filtered (compressed) dataset \(path)")
        }
        type = try HDF5Datatype(input, at: typeMessage.offset, length: typeMessage.size)
        let space = try HDF5Dataspace(
            input, at: spaceMessage.offset, length: spaceMessage.size, lengthSize: file.lengthSize)
        shape = space.shape
        count = space.count
        elementType = type.element
        let (needed, overflow) = count.multipliedReportingOverflow(by: type.size)
        guard !overflow else {
            throw .malformed(offset: spaceMessage.offset, expected: "a smaller dataset", found: "\(shape)")
        }

        let at = layout.offset
        let end = layout.offset + layout.size
        let version = try input.uint8(at, "the layout version")
        let layoutClass: UInt8
        var storage: (offset: Int?, size: Int)
        switch version {
        case 3, 4:
            layoutClass = try input.uint8(at + 1, "the layout class")
            switch layoutClass {
            case 0:
                let size = try input.uint16(at + 2, "the compact data size")
                guard at + 4 + size <= end else {
                    throw .truncated(offset: end, expected: "the compact data of \(path)")
                }
                storage = (at + 4, size)
            case 1:
                guard at + 2 + file.offsetSize + file.lengthSize <= end else {
                    throw .truncated(offset: end, expected: "the contiguous layout of \(path)")
                }
                let address = try file.address(at + 2, "the data address")
                let size = try file.length(at + 2 + file.offsetSize, "the data size")
                guard size <= UInt64(input.count) else {
                    throw .truncated(offset: input.count, expected: "the \(size) bytes of \(path)")
                }
                storage = (
                    address == file.undefinedAddress
                        ? nil : try file.fileOffset(address, at: at + 2, "the data of \(path)"), Int(size)
                )
            default:
                throw .unsupported(
                    offset: at + 1,
                    feature: layoutClass == 2 ? "the chunked dataset \(path)" : "the virtual dataset \(path)")
            }
        case 1, 2:
            let rank = Int(try input.uint8(at + 1, "the layout rank"))
            layoutClass = try input.uint8(at + 2, "the layout class")
            guard layoutClass <= 1 else { throw .unsupported(offset: at + 2, feature: "the chunked dataset \(path)") }
            var position = at + 8
            var address: UInt64?
            if layoutClass == 1 {
                address = try file.address(position, "the data address")
                position += file.offsetSize
            }
            position += 4 * rank
            if layoutClass == 0 {
                let size = Int(try input.uint32(position, "the compact data size"))
                guard size <= end - position - 4 else {
                    throw .truncated(offset: end, expected: "the compact data of \(path)")
                }
                storage = (position + 4, size)
            } else if let address, address != file.undefinedAddress {
                storage = (try file.fileOffset(address, at: at + 8, "the data of \(path)"), needed)
            } else {
                storage = (nil, needed)
            }
        default:
            throw .malformed(offset: at, expected: "layout version 1 to 4", found: "\(version)")
        }
        if let offset = storage.offset {
            guard storage.size >= needed else {
                throw .malformed(offset: at, expected: "\(needed) bytes of data for \(path)", found: "\(storage.size)")
            }
            try input.check(offset, needed, "the \(needed) bytes of \(path)")
        }
        dataOffset = storage.offset
        attributes = try HDF5Attribute.all(file, header: header, path: path)
    }

    /// The attribute named `name`, or nil.
    public func attribute(named name: String) -> HDF5Attribute? {
        attributes.first { $0.name == name }
    }

    /// The values as `Float`, row-major (float64 values are rounded, integers converted).
    ///
    /// - Throws: ``FileFormatError/malformed(offset:expected:found:)`` for a string dataset.
    public func floats() throws(FileFormatError) -> [Float] {
        guard let dataOffset else { return try zeros(0) }
        return try file.numbers(type, count: count, at: dataOffset, what: "dataset \(path)", as: Float.self)
    }

    /// The values as `Double`, row-major (integers converted).
    ///
    /// - Throws: ``FileFormatError/malformed(offset:expected:found:)`` for a string dataset.
    public func doubles() throws(FileFormatError) -> [Double] {
        guard let dataOffset else { return try zeros(0) }
        return try file.numbers(type, count: count, at: dataOffset, what: "dataset \(path)", as: Double.self)
    }

    /// The values of an integer dataset, row-major.
    ///
    /// - Throws: ``FileFormatError/malformed(offset:expected:found:)`` unless the elements are integers.
    public func integers() throws(FileFormatError) -> [Int64] {
        guard let dataOffset else { return try zeros(Int64(0)) }
        return try file.integers(type, count: count, at: dataOffset, what: "dataset \(path)")
    }

    /// The values of a string dataset, row-major.
    ///
    /// - Throws: ``FileFormatError/malformed(offset:expected:found:)`` unless the elements are strings.
    public func strings() throws(FileFormatError) -> [String] {
        guard let dataOffset else { return try zeros("") }
        return try file.strings(type, count: count, at: dataOffset, what: "dataset \(path)")
    }

    /// The fill value of a dataset that was never written: `count` copies of `zero`.
    private func zeros<T>(_ zero: T) throws(FileFormatError) -> [T] {
        guard count <= 1 << 20 else {
            throw .unsupported(offset: 0, feature: "unwritten dataset \(path) of \(count) elements")
        }
        return [T](repeating: zero, count: count)
    }
}
