/// The global heap collections ("GCOL") that variable-length strings point into, each parsed once.
struct HDF5GlobalHeaps {
    /// The object ranges (file offsets) of each collection read so far, by object index.
    private var collections: [Int: [Int: Range<Int>]] = [:]

    /// The file range of object `index` of the collection at `collection` (read at `at`).
    mutating func object(_ file: HDF5File, collection: UInt64, index: Int, at: Int) throws(FileFormatError) -> Range<
        Int
    > {
        let start = try file.fileOffset(collection, at: at + 4, "a global heap collection")
        if collections[start] == nil { collections[start] = try Self.parse(file, at: start) }
        guard let range = collections[start]?[index] else {
            throw .malformed(
                offset: at, expected: "an object of the global heap at byte \(start)", found: "index \(index)")
        }
        return range
    }

    /// The objects of the collection at `start`.
    private static func parse(_ file: HDF5File, at start: Int) throws(FileFormatError) -> [Int: Range<Int>] {
        let input = file.input
        try input.expect(HDF5Signature.gcol, at: start, "the global heap signature GCOL")
        let version = try input.uint8(start + 4, "the global heap version")
        guard version == 1 else {
            throw .malformed(offset: start + 4, expected: "global heap version 1", found: "\(version)")
        }
        let size = try file.length(start + 8, "the global heap collection size")
        guard size <= UInt64(input.count - start) else {
            throw .truncated(offset: input.count, expected: "the \(size)-byte global heap collection at byte \(start)")
        }
        let end = start + Int(size)
        var objects: [Int: Range<Int>] = [:]
        var position = start + 8 + file.lengthSize
        let headerSize = 8 + file.lengthSize
        while end - position >= headerSize {
            let index = try input.uint16(position, "a global heap object index")
            if index == 0 { break }  // the free space
            let length = try file.length(position + 8, "a global heap object size")
            let data = position + headerSize
            guard length <= UInt64(end - data) else {
                throw .truncated(offset: end, expected: "the \(length)-byte global heap object \(index)")
            }
            objects[index] = data..<data + Int(length)
            position = data + ((Int(length) + 7) & ~7)
        }
        return objects
    }
}
