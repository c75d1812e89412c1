/// Lays out an ``HDF5Writer``'s groups, datasets and attributes as HDF5 file bytes (the HDF5 File Format
/// Specification, version 2.0 and earlier structures only).
///
/// - The superblock (version 0, 8-byte offsets and lengths) holds the root group's symbol-table entry.
/// - Each object has a version-1 object header; a group's holds a symbol-table message pointing to a
///   version-1 B-tree (group nodes, K = 16) whose leaves are symbol-table nodes (K = 4, up to 8 entries,
///   sorted by the names' bytes) and to a local heap holding the names.
/// - A dataset's header holds dataspace (version 1), datatype, fill value (version 2) and data layout
///   (version 3, contiguous) messages; its elements follow each other in the file.
/// - Attributes are version-1 attribute messages; variable-length strings live in global heap
///   collections written after everything else (their addresses are patched in at the end).
///
/// Children are written before their parents, so every address a structure stores is known when it
/// is written; only the superblock and the global heap references are patched.
struct HDF5Encoder {
    /// The undefined address of the format (all bits set).
    static let undefined = UInt64.max
    /// Size of the superblock with its root symbol-table entry.
    static let superblockSize = 96
    /// Group leaf node K: symbol-table nodes hold up to 2K entries.
    static let leafK = 4
    /// Group internal node K: B-tree nodes have up to 2K children.
    static let internalK = 16
    /// Bytes of one symbol-table entry.
    static let entrySize = 40
    /// Bytes of a symbol-table node: header and 2K entries.
    static let symbolNodeSize = 8 + 2 * leafK * entrySize
    /// Bytes of a group B-tree node: header, 2K children and 2K + 1 keys.
    static let treeNodeSize = 24 + 2 * internalK * 8 + (2 * internalK + 1) * 8
    /// The largest data of one object header message (its size field has 16 bits; data is 8-aligned).
    static let messageLimit = 0xFFF8
    /// The smallest global heap collection libhdf5 expects.
    static let minimumCollectionSize = 4096

    /// A header message and the places in its data that need a global heap collection's address.
    struct Message {
        var type: UInt16
        var flags: UInt8 = 0
        var data: [UInt8]
        var heapReferences: [(offset: Int, collection: Int)] = []
    }

    /// An object a group lists: its name's heap offset, header address, and for groups the cached
    /// B-tree and heap addresses.
    struct Entry {
        var nameOffset: UInt64
        var header: UInt64
        var group: (tree: UInt64, heap: UInt64)?
    }

    private var out = OutputBytes()
    /// Objects of the global heap collections, each a list of byte strings (index = position + 1).
    private var collections: [[[UInt8]]] = []
    private var collectionBytes = 0
    /// Where a collection's address goes.
    private var pendingReferences: [(position: Int, collection: Int)] = []

    /// The bytes of a file whose root group is `root`.
    mutating func encode(root: HDF5GroupNode) throws(FileEncodingError) -> [UInt8] {
        out.appendZeros(Self.superblockSize)
        let root = try writeGroup(root, path: "/")
        var addresses: [UInt64] = []
        for objects in collections { addresses.append(writeCollection(objects)) }
        for reference in pendingReferences { out.set(addresses[reference.collection], at: reference.position) }
        writeSuperblock(root: root)
        return out.bytes
    }

    // MARK: - Superblock

    private mutating func writeSuperblock(root: Entry) {
        var block = OutputBytes()
        block.append(contentsOf: [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A])
        // Superblock, free-space, root group symbol table and shared header versions 0; 8-byte offsets
        // and lengths.
        block.append(contentsOf: [0, 0, 0, 0, 0, 8, 8, 0])
        block.append(UInt16(Self.leafK))
        block.append(UInt16(Self.internalK))
        block.append(UInt32(0))  // file consistency flags
        block.append(UInt64(0))  // base address
        block.append(Self.undefined)  // free-space info
        block.append(UInt64(out.count))  // end of file
        block.append(Self.undefined)  // driver info
        appendEntry(root, to: &block)
        for (index, byte) in block.bytes.enumerated() { out.set(byte, at: index) }
    }

    // MARK: - Groups

    /// Writes the group's members, local heap, symbol-table nodes, B-tree and object header; returns its
    /// entry (with name offset 0).
    private mutating func writeGroup(_ group: HDF5GroupNode, path: String) throws(FileEncodingError) -> Entry {
        let names = group.members.keys.map { (name: $0, bytes: Array($0.utf8)) }
            .sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        var heapData = [UInt8](repeating: 0, count: 8)  // offset 0: the empty name, the B-tree's first key
        var entries: [Entry] = []
        for (name, bytes) in names {
            let nameOffset = UInt64(heapData.count)
            heapData += bytes
            heapData += [UInt8](repeating: 0, count: 8 - bytes.count % 8)  // NUL-terminated, 8-aligned
            let childPath = path == "/" ? "/" + name : path + "/" + name
            switch group.members[name]! {
            case let .group(child):
                var entry = try writeGroup(child, path: childPath)
                entry.nameOffset = nameOffset
                entries.append(entry)
            case let .dataset(dataset):
                let header = try writeDataset(dataset, path: childPath)
                entries.append(Entry(nameOffset: nameOffset, header: header))
            }
        }

        // Local heap: header, then its data segment; no free space (the free list ends at once, 1).
        out.pad(toMultipleOf: 8)
        let heap = UInt64(out.count)
        out.append(contentsOf: Array("HEAP".utf8))
        out.append(contentsOf: [0, 0, 0, 0])  // version 0, reserved
        out.append(UInt64(heapData.count))
        out.append(UInt64(1))
        out.append(heap + 32)
        out.append(contentsOf: heapData)

        // Symbol-table nodes of up to 2K entries each.
        var leaves: [(address: UInt64, lastKey: UInt64)] = []
        for start in stride(from: 0, to: entries.count, by: 2 * Self.leafK) {
            let chunk = entries[start..<min(start + 2 * Self.leafK, entries.count)]
            out.pad(toMultipleOf: 8)
            let address = out.count
            out.append(contentsOf: Array("SNOD".utf8))
            out.append(contentsOf: [1, 0])  // version 1, reserved
            out.append(UInt16(chunk.count))
            for entry in chunk { appendEntry(entry, to: &out) }
            out.appendZeros(address + Self.symbolNodeSize - out.count)
            leaves.append((UInt64(address), chunk.last!.nameOffset))
        }
        let tree = writeTree(leaves)

        var messages = [Message(type: 0x11, data: Self.littleEndian(tree) + Self.littleEndian(heap))]
        for attribute in group.attributes {
            messages.append(try attributeMessage(attribute.name, attribute.value, on: path))
        }
        let header = try writeObjectHeader(messages, of: path)
        return Entry(nameOffset: 0, header: header, group: (tree, heap))
    }

    /// Writes the B-tree over `children` (symbol-table nodes with the heap offsets of their last names)
    /// level by level, with sibling links; returns the root node's address.
    private mutating func writeTree(_ children: [(address: UInt64, lastKey: UInt64)]) -> UInt64 {
        var level: UInt8 = 0
        var current = children
        repeat {
            let width = 2 * Self.internalK
            let nodeCount = max(1, (current.count + width - 1) / width)
            out.pad(toMultipleOf: 8)
            let base = out.count
            func address(_ node: Int) -> UInt64 { UInt64(base + node * Self.treeNodeSize) }
            var parents: [(address: UInt64, lastKey: UInt64)] = []
            var leftKey: UInt64 = 0
            for node in 0..<nodeCount {
                let chunk = current[min(node * width, current.count)..<min((node + 1) * width, current.count)]
                out.append(contentsOf: Array("TREE".utf8))
                out.append(UInt8(0))  // group node
                out.append(level)
                out.append(UInt16(chunk.count))
                out.append(node > 0 ? address(node - 1) : Self.undefined)
                out.append(node < nodeCount - 1 ? address(node + 1) : Self.undefined)
                out.append(leftKey)
                for child in chunk {
                    out.append(child.address)
                    out.append(child.lastKey)
                }
                out.appendZeros(base + (node + 1) * Self.treeNodeSize - out.count)
                leftKey = chunk.last?.lastKey ?? 0
                parents.append((address(node), leftKey))
            }
            current = parents
            level += 1
        } while current.count > 1
        return current[0].address
    }

    /// Appends a 40-byte symbol-table entry; a group's caches its B-tree and heap addresses.
    private func appendEntry(_ entry: Entry, to bytes: inout OutputBytes) {
        bytes.append(entry.nameOffset)
        bytes.append(entry.header)
        bytes.append(UInt32(entry.group == nil ? 0 : 1))  // cache type
        bytes.append(UInt32(0))
        bytes.append(entry.group?.tree ?? 0)
        bytes.append(entry.group?.heap ?? 0)
    }

    // MARK: - Datasets

    /// Writes the dataset's elements and object header; returns the header's address.
    private mutating func writeDataset(_ dataset: HDF5DatasetNode, path: String) throws(FileEncodingError) -> UInt64 {
        let elements = dataset.values.littleEndianBytes
        out.pad(toMultipleOf: 8)
        let address = elements.isEmpty ? Self.undefined : UInt64(out.count)
        out.append(contentsOf: elements)

        var layout: [UInt8] = [3, 1]  // version 3, contiguous
        layout += Self.littleEndian(address) + Self.littleEndian(UInt64(elements.count))
        var messages = [
            Message(type: 0x01, data: Self.dataspace(dataset.shape)),
            Message(type: 0x03, flags: 1, data: Self.datatype(of: dataset.values)),
            // Fill value version 2: allocated late, written if set, defined with the default (size 0).
            Message(type: 0x05, flags: 1, data: [2, 2, 2, 1, 0, 0, 0, 0]),
            Message(type: 0x08, data: layout),
        ]
        for attribute in dataset.attributes {
            messages.append(try attributeMessage(attribute.name, attribute.value, on: path))
        }
        return try writeObjectHeader(messages, of: path)
    }

    // MARK: - Object headers and messages

    /// Writes a version-1 object header holding `messages`; returns its address.
    private mutating func writeObjectHeader(_ messages: [Message], of path: String) throws(FileEncodingError) -> UInt64
    {
        guard messages.count <= 0xFFFF else {
            throw .tooLarge("the object header of '\(path)' (messages)", size: messages.count, limit: 0xFFFF)
        }
        var size = 0
        for message in messages {
            let padded = (message.data.count + 7) / 8 * 8
            guard padded <= Self.messageLimit else {
                throw .tooLarge(
                    "a header message of '\(path)' (type \(message.type))", size: message.data.count,
                    limit: Self.messageLimit)
            }
            size += 8 + padded
        }
        guard size <= Int(UInt32.max) else {
            throw .tooLarge("the object header of '\(path)'", size: size, limit: Int(UInt32.max))
        }
        out.pad(toMultipleOf: 8)
        let address = UInt64(out.count)
        out.append(contentsOf: [1, 0])  // version 1, reserved
        out.append(UInt16(messages.count))
        out.append(UInt32(1))  // reference count
        out.append(UInt32(size))
        out.appendZeros(4)  // aligns the messages to 8 bytes
        for message in messages {
            let padded = (message.data.count + 7) / 8 * 8
            out.append(message.type)
            out.append(UInt16(padded))
            out.append(message.flags)
            out.appendZeros(3)
            let start = out.count
            out.append(contentsOf: message.data)
            out.appendZeros(padded - message.data.count)
            for reference in message.heapReferences {
                pendingReferences.append((start + reference.offset, reference.collection))
            }
        }
        return address
    }

    /// A version-1 attribute message: name, datatype and dataspace (each padded to 8 bytes), then data.
    private mutating func attributeMessage(_ name: String, _ value: HDF5AttributeValue, on path: String)
        throws(FileEncodingError) -> Message
    {
        let datatype: [UInt8]
        let shape: [Int]
        var data: [UInt8] = []
        var references: [(offset: Int, collection: Int)] = []
        switch value {
        case .string, .strings:
            let strings: [String]
            if case let .string(string) = value {
                (strings, shape) = ([string], [])
            } else if case let .strings(array) = value {
                (strings, shape) = (array, [array.count])
            } else {
                (strings, shape) = ([], [])
            }
            // Variable-length string (class 9, version 1): type string, NUL-terminated, UTF-8; base
            // type an unsigned byte.
            datatype = [0x19, 0x01, 0x01, 0x00] + Self.littleEndian(UInt32(16)) + Self.unsignedByte
            for string in strings {
                let bytes = Array(string.utf8)
                guard bytes.count <= Int(UInt32.max) else {
                    throw .tooLarge(
                        "a string of the attribute '\(name)' of '\(path)'", size: bytes.count,
                        limit: Int(UInt32.max))
                }
                data += Self.littleEndian(UInt32(bytes.count))
                if bytes.isEmpty {
                    data += [UInt8](repeating: 0, count: 12)  // no heap object
                } else {
                    let (collection, index) = addHeapObject(bytes)
                    references.append((data.count, collection))
                    data += Self.littleEndian(UInt64(0)) + Self.littleEndian(UInt32(index))
                }
            }
        case .fixedLengthString, .fixedLengthStrings:
            let strings: [[UInt8]]
            if case let .fixedLengthString(string) = value {
                (strings, shape) = ([Array(string.utf8)], [])
            } else if case let .fixedLengthStrings(array) = value {
                (strings, shape) = (array.map { Array($0.utf8) }, [array.count])
            } else {
                (strings, shape) = ([], [])
            }
            let length = max(1, strings.map(\.count).max() ?? 1)
            guard length <= Self.messageLimit else {
                throw .tooLarge(
                    "a string of the attribute '\(name)' of '\(path)'", size: length,
                    limit: Self.messageLimit)
            }
            // Fixed-length string (class 3, version 1): NUL-padded, UTF-8.
            datatype = [0x13, 0x11, 0x00, 0x00] + Self.littleEndian(UInt32(length))
            for string in strings { data += string + [UInt8](repeating: 0, count: length - string.count) }
        case let .numbers(values, valueShape):
            datatype = Self.datatype(of: values)
            shape = valueShape
            data = values.littleEndianBytes
        }
        let nameBytes = Array(name.utf8) + [0]
        let dataspace = Self.dataspace(shape)
        var message: [UInt8] = [1, 0]  // version 1, reserved
        message += Self.littleEndian(UInt16(nameBytes.count))
        message += Self.littleEndian(UInt16(datatype.count))
        message += Self.littleEndian(UInt16(dataspace.count))
        for part in [nameBytes, datatype, dataspace] {
            message += part + [UInt8](repeating: 0, count: (8 - part.count % 8) % 8)
        }
        let dataStart = message.count
        guard data.count <= Self.messageLimit - dataStart else {
            throw .tooLarge(
                "the attribute '\(name)' of '\(path)' (an object header message)", size: dataStart + data.count,
                limit: Self.messageLimit)
        }
        message += data
        return Message(
            type: 0x0C, data: message, heapReferences: references.map { ($0.offset + dataStart, $0.collection) })
    }

    /// A version-1 dataspace message: rank, no maximum sizes, the dimensions (a scalar for rank 0).
    static func dataspace(_ shape: [Int]) -> [UInt8] {
        var bytes: [UInt8] = [1, UInt8(shape.count), 0, 0, 0, 0, 0, 0]
        for dimension in shape { bytes += littleEndian(UInt64(dimension)) }
        return bytes
    }

    /// A datatype message (version 1) for little-endian IEEE floats or signed integers.
    static func datatype(of values: HDF5Values) -> [UInt8] {
        switch values {
        case .float32:
            // Class 1, implied leading mantissa bit, sign at bit 31; precision 32, exponent 23...30,
            // mantissa 0...22, bias 127.
            [0x11, 0x20, 0x1F, 0x00] + littleEndian(UInt32(4)) + littleEndian(UInt16(0)) + littleEndian(UInt16(32))
                + [23, 8, 0, 23] + littleEndian(UInt32(127))
        case .float64:
            [0x11, 0x20, 0x3F, 0x00] + littleEndian(UInt32(8)) + littleEndian(UInt16(0)) + littleEndian(UInt16(64))
                + [52, 11, 0, 52] + littleEndian(UInt32(1023))
        case .int32:
            [0x10, 0x08, 0x00, 0x00] + littleEndian(UInt32(4)) + littleEndian(UInt16(0)) + littleEndian(UInt16(32))
        case .int64:
            [0x10, 0x08, 0x00, 0x00] + littleEndian(UInt32(8)) + littleEndian(UInt16(0)) + littleEndian(UInt16(64))
        }
    }

    /// The base type of variable-length strings: an unsigned 8-bit integer.
    static let unsignedByte: [UInt8] = [0x10, 0x00, 0x00, 0x00] + littleEndian(UInt32(1)) + [0, 0, 8, 0]

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    // MARK: - Global heap

    /// Stores `bytes` as an object of a global heap collection; returns the collection and the index.
    private mutating func addHeapObject(_ bytes: [UInt8]) -> (collection: Int, index: Int) {
        let size = 16 + (bytes.count + 7) / 8 * 8
        if collections.isEmpty || collections[collections.count - 1].count == 0xFFFF
            || (collectionBytes > 0 && collectionBytes + size > 1 << 20)
        {
            collections.append([])
            collectionBytes = 0
        }
        collections[collections.count - 1].append(bytes)
        collectionBytes += size
        return (collections.count - 1, collections[collections.count - 1].count)
    }

    /// Writes a global heap collection: its header, the objects (indices from 1, reference count 0 as
    /// libhdf5 writes for variable-length data) and a free-space object (index 0) filling the rest of
    /// at least 4 KiB; returns its address.
    private mutating func writeCollection(_ objects: [[UInt8]]) -> UInt64 {
        let used = objects.reduce(16) { $0 + 16 + ($1.count + 7) / 8 * 8 }
        let size = max(Self.minimumCollectionSize, used + 16)
        out.pad(toMultipleOf: 8)
        let address = UInt64(out.count)
        out.append(contentsOf: Array("GCOL".utf8))
        out.append(contentsOf: [1, 0, 0, 0])  // version 1, reserved
        out.append(UInt64(size))
        for (index, object) in objects.enumerated() {
            out.append(UInt16(index + 1))
            out.append(UInt16(0))
            out.appendZeros(4)
            out.append(UInt64(object.count))
            out.append(contentsOf: object)
            out.pad(toMultipleOf: 8)
        }
        out.append(UInt16(0))
        out.append(UInt16(0))
        out.appendZeros(4)
        out.append(UInt64(size - used))  // the free space, this header included
        out.appendZeros(size - used - 16)
        return address
    }
}
