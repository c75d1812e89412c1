/// A group of an ``HDF5File``: its children's names and its attributes.
///
///     let vars = try file.group(at: "layers/dense/vars")
///     print(vars.children, try vars.stringAttribute(named: "name"))
public struct HDF5Group: Sendable {
    /// The group's path from the root ("/" for the root, "/layers/dense" otherwise).
    public let path: String
    /// The names of the group's members (groups, datasets and links), sorted by their UTF-8 bytes.
    public let children: [String]
    /// The group's attributes, in the order of its object header.
    public let attributes: [HDF5Attribute]
    /// Where the group's object header starts in the file (the offset of "not found" errors).
    public let offset: Int

    /// One entry of a group: a name and the file offset of the object's header (nil for soft and
    /// external links, which are not followed).
    struct Link: Sendable {
        let name: String
        let target: Int?
        /// Where the link was read.
        let offset: Int
    }

    /// Reads the group whose object header is `header`.
    init(_ file: HDF5File, header: HDF5ObjectHeader, path: String) throws(FileFormatError) {
        self.path = path
        offset = header.offset
        children = try Self.links(file, header: header, path: path).map(\.name).sorted {
            $0.utf8.lexicographicallyPrecedes($1.utf8)
        }
        attributes = try HDF5Attribute.all(file, header: header, path: path)
    }

    /// The attribute named `name`, or nil.
    public func attribute(named name: String) -> HDF5Attribute? {
        attributes.first { $0.name == name }
    }

    /// The string value of the attribute `name` (a scalar or one-element string attribute).
    ///
    /// - Throws: ``FileFormatError/notFound(offset:name:)`` when there is no such attribute,
    ///   ``FileFormatError/malformed(offset:expected:found:)`` when it is not one string.
    public func stringAttribute(named name: String) throws(FileFormatError) -> String {
        guard let attribute = attribute(named: name) else {
            throw .notFound(offset: offset, name: "attribute \(name) of \(path)")
        }
        return try attribute.string()
    }

    /// The strings of the attribute `name`; when there is none, the concatenated strings of `name0`,
    /// `name1`, ... (how Keras splits attributes larger than HDF5's 64 KB header limit).
    ///
    /// - Throws: ``FileFormatError/notFound(offset:name:)`` when neither exists,
    ///   ``FileFormatError/malformed(offset:expected:found:)`` when one holds no strings.
    public func stringArrayAttribute(named name: String) throws(FileFormatError) -> [String] {
        if let attribute = attribute(named: name) { return try attribute.strings() }
        var strings: [String] = []
        var index = 0
        while let part = attribute(named: "\(name)\(index)") {
            strings += try part.strings()
            index += 1
        }
        guard index > 0 else { throw .notFound(offset: offset, name: "attribute \(name) (or \(name)0) of \(path)") }
        return strings
    }

    /// Whether the object header is a group's: it has a symbol table, link info or link messages.
    static func isGroup(_ header: HDF5ObjectHeader) -> Bool {
        header.messages.contains { $0.type == 0x0011 || $0.type == 0x0002 || $0.type == 0x0006 }
    }

    /// The group's links: from its symbol table (old-style groups) or its link messages (new-style).
    static func links(_ file: HDF5File, header: HDF5ObjectHeader, path: String) throws(FileFormatError) -> [Link] {
        if let table = header.first(0x0011) {
            guard table.size >= 2 * file.offsetSize else {
                throw .truncated(offset: table.offset + table.size, expected: "a symbol table message")
            }
            return try symbolTableLinks(file, message: table)
        }
        if let info = header.first(0x0002) {
            let flags = try file.input.uint8(info.offset + 1, "the link info flags")
            let heap = try file.address(info.offset + 2 + (flags & 1 != 0 ? 8 : 0), "the fractal heap address")
            guard heap == file.undefinedAddress else {
                throw .unsupported(offset: info.offset, feature: "dense link storage (a fractal heap) in group \(path)")
            }
        }
        var links: [Link] = []
        for message in header.messages where message.type == 0x0006 {
            links.append(try linkMessage(file, message: message))
        }
        return links
    }

    /// A link message (type 0x0006).
    private static func linkMessage(_ file: HDF5File, message: HDF5Message) throws(FileFormatError) -> Link {
        let input = file.input
        let start = message.offset
        let end = start + message.size
        let version = try input.uint8(start, "the link message version")
        guard version == 1 else {
            throw .malformed(offset: start, expected: "link message version 1", found: "\(version)")
        }
        let flags = try input.uint8(start + 1, "the link message flags")
        var position = start + 2
        var type: UInt8 = 0
        if flags & 0x08 != 0 {
            type = try input.uint8(position, "the link type")
            position += 1
        }
        if flags & 0x04 != 0 { position += 8 }
        if flags & 0x10 != 0 { position += 1 }
        let sizeBytes = 1 << Int(flags & 0x03)
        let nameLength = try input.uint(position, size: sizeBytes, "the link name length")
        position += sizeBytes
        guard nameLength <= UInt64(max(0, end - position)) else {
            throw .truncated(offset: end, expected: "a \(nameLength)-byte link name")
        }
        let name = try input.string(position, Int(nameLength), "the link name")
        position += Int(nameLength)
        guard type == 0 else { return Link(name: name, target: nil, offset: start) }
        guard position + file.offsetSize <= end else {
            throw .truncated(offset: end, expected: "the hard link's address")
        }
        let address = try file.address(position, "the hard link's address")
        return Link(name: name, target: try file.fileOffset(address, at: position, "the object \(name)"), offset: start)
    }

    /// The links of an old-style group: its version-1 B-tree's symbol-table nodes, named by its local heap.
    private static func symbolTableLinks(_ file: HDF5File, message: HDF5Message) throws(FileFormatError) -> [Link] {
        let input = file.input
        let treeAt = message.offset
        let heapAt = message.offset + file.offsetSize
        let tree = try file.fileOffset(try file.address(treeAt, "the B-tree address"), at: treeAt, "the group's B-tree")
        let heap = try file.fileOffset(try file.address(heapAt, "the local heap address"), at: heapAt, "the local heap")
        try input.expect(HDF5Signature.heap, at: heap, "the local heap signature HEAP")
        let segmentSize = try file.length(heap + 8, "the local heap's data size")
        let segmentAt = heap + 8 + 2 * file.lengthSize
        let segment = try file.fileOffset(
            try file.address(segmentAt, "the local heap's data address"), at: segmentAt, "the local heap data")
        guard segmentSize <= UInt64(input.count - segment) else {
            throw .truncated(
                offset: input.count, expected: "the \(segmentSize)-byte local heap data at byte \(segment)")
        }
        let segmentEnd = segment + Int(segmentSize)

        func name(_ offset: UInt64, at: Int) throws(FileFormatError) -> String {
            guard offset < segmentSize else {
                throw .malformed(offset: at, expected: "a name offset below \(segmentSize)", found: "\(offset)")
            }
            var end = segment + Int(offset)
            while end < segmentEnd, input.bytes[input.start + end] != 0 { end += 1 }
            guard end < segmentEnd else {
                throw .truncated(offset: segmentEnd, expected: "the zero byte ending a link name")
            }
            return try input.string(segment + Int(offset), end - segment - Int(offset), "a link name")
        }

        var links: [Link] = []
        var visited: Set<Int> = []
        // Depth-first over the B-tree; levels must decrease, and no node is read twice.
        var stack: [(offset: Int, level: Int?)] = [(tree, nil)]
        let entrySize = 2 * file.offsetSize + 24
        while let (node, parentLevel) = stack.popLast() {
            guard visited.insert(node).inserted, visited.count <= 1 << 16 else {
                throw .malformed(offset: node, expected: "a B-tree node read once", found: "a node read before")
            }
            try input.expect(HDF5Signature.tree, at: node, "the B-tree node signature TREE")
            let type = try input.uint8(node + 4, "the B-tree node type")
            guard type == 0 else {
                throw .malformed(offset: node + 4, expected: "a group B-tree node (type 0)", found: "type \(type)")
            }
            let level = Int(try input.uint8(node + 5, "the B-tree node level"))
            if let parentLevel, level != parentLevel - 1 {
                throw .malformed(offset: node + 5, expected: "B-tree level \(parentLevel - 1)", found: "\(level)")
            }
            let entries = try input.uint16(node + 6, "the B-tree node's entry count")
            let keys = node + 8 + 2 * file.offsetSize
            try input.check(
                keys, file.lengthSize + entries * (file.lengthSize + file.offsetSize), "\(entries) B-tree entries")
            for i in stride(from: entries - 1, through: 0, by: -1) {
                let at = keys + file.lengthSize * (i + 1) + file.offsetSize * i
                let child = try file.fileOffset(try file.address(at, "a B-tree child"), at: at, "a B-tree child")
                if level > 0 {
                    stack.append((child, level))
                    continue
                }
                guard visited.insert(child).inserted else {
                    throw .malformed(offset: at, expected: "a symbol-table node read once", found: "a node read before")
                }
                try input.expect(HDF5Signature.snod, at: child, "the symbol-table node signature SNOD")
                let count = try input.uint16(child + 6, "the symbol count")
                try input.check(child + 8, count * entrySize, "\(count) symbol-table entries")
                var group: [Link] = []
                for j in 0..<count {
                    let entry = child + 8 + j * entrySize
                    let nameAt = try file.address(entry, "a link name offset")
                    let objectAt = entry + file.offsetSize
                    let object = try file.fileOffset(
                        try file.address(objectAt, "an object header address"), at: objectAt, "an object header")
                    group.append(Link(name: try name(nameAt, at: entry), target: object, offset: entry))
                }
                links += group
                guard links.count <= 1 << 20 else {
                    throw .malformed(offset: child, expected: "at most 2^20 links in a group", found: "more")
                }
            }
        }
        return links
    }
}
