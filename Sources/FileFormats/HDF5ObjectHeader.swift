/// One message of an HDF5 object header: its type and where its data lies in the file.
struct HDF5Message: Sendable {
    /// The message type (0x0001 dataspace, 0x0003 datatype, 0x000C attribute, ...).
    let type: Int
    /// The message flags (bit 1: the message is shared, stored elsewhere).
    let flags: UInt8
    /// The offset of the message data in the file.
    let offset: Int
    /// The size of the message data.
    let size: Int
}

/// The messages of an HDF5 object header, version 1 or 2 ("OHDR"), with its continuation blocks
/// followed (each block once; version-2 checksums checked).
struct HDF5ObjectHeader: Sendable {
    /// Where the header starts in the file.
    let offset: Int
    /// The messages of all blocks in order, without NIL and continuation messages.
    let messages: [HDF5Message]

    /// The most messages and continuation blocks one header may have (a guard against damaged files).
    static let messageLimit = 1 << 16
    static let blockLimit = 1 << 12

    /// Parses the object header at file offset `offset`.
    init(_ file: HDF5File, at offset: Int) throws(FileFormatError) {
        let input = file.input
        self.offset = offset
        var messages: [HDF5Message] = []
        var blocks: [(start: Int, end: Int)] = []
        let version2 = input.matches(HDF5Signature.ohdr, at: offset)
        var tracksCreationOrder = false
        if version2 {
            let version = try input.uint8(offset + 4, "the object header version")
            guard version == 2 else {
                throw .malformed(offset: offset + 4, expected: "object header version 2", found: "\(version)")
            }
            let flags = try input.uint8(offset + 5, "the object header flags")
            var position = offset + 6
            if flags & 0x20 != 0 { position += 16 }
            if flags & 0x10 != 0 { position += 4 }
            let sizeBytes = 1 << Int(flags & 0x03)
            let chunkSize = try input.uint(position, size: sizeBytes, "the size of the first object header chunk")
            position += sizeBytes
            guard chunkSize <= UInt64(input.count) else {
                throw .truncated(offset: input.count, expected: "a \(chunkSize)-byte object header chunk")
            }
            let end = position + Int(chunkSize)
            try Self.checkChecksum(input, from: offset, to: end)
            tracksCreationOrder = flags & 0x04 != 0
            blocks.append((position, end))
        } else {
            let version = try input.uint8(offset, "the object header version")
            guard version == 1 else {
                throw .malformed(offset: offset, expected: "object header version 1 or \"OHDR\"", found: "\(version)")
            }
            let size = Int(try input.uint32(offset + 8, "the object header size"))
            try input.check(offset + 16, size, "the \(size)-byte object header at byte \(offset)")
            blocks.append((offset + 16, offset + 16 + size))
        }
        var seen: Set<Int> = [offset]
        var index = 0
        while index < blocks.count {
            let (start, end) = blocks[index]
            index += 1
            var position = start
            let headerSize = version2 ? (tracksCreationOrder ? 6 : 4) : 8
            while end - position >= headerSize {
                let type: Int
                let size: Int
                let flags: UInt8
                if version2 {
                    type = Int(try input.uint8(position, "a message type"))
                    size = try input.uint16(position + 1, "a message size")
                    flags = try input.uint8(position + 3, "message flags")
                } else {
                    type = try input.uint16(position, "a message type")
                    size = try input.uint16(position + 2, "a message size")
                    flags = try input.uint8(position + 4, "message flags")
                }
                let data = position + headerSize
                guard size <= end - data else {
                    throw .malformed(
                        offset: position, expected: "a message inside its object header block (\(end - data) bytes)",
                        found: "\(size) bytes")
                }
                position = data + size
                if type == 0x10 {  // continuation: the address and length of another block
                    let address = try input.uint(data, size: file.offsetSize, "a continuation address")
                    let length = try input.uint(data + file.offsetSize, size: file.lengthSize, "a continuation length")
                    let blockStart = try file.fileOffset(address, at: data, "a continuation block")
                    guard length <= UInt64(input.count - blockStart) else {
                        throw .truncated(
                            offset: input.count, expected: "a \(length)-byte continuation block at byte \(blockStart)")
                    }
                    guard seen.insert(blockStart).inserted, blocks.count < Self.blockLimit else {
                        throw .malformed(offset: data, expected: "a new continuation block", found: "one read before")
                    }
                    let blockEnd = blockStart + Int(length)
                    if version2 {
                        try input.expect(HDF5Signature.ochk, at: blockStart, "the continuation block signature OCHK")
                        guard blockEnd - blockStart >= 8 else {
                            throw .malformed(
                                offset: blockStart, expected: "a continuation block of 8 bytes or more",
                                found: "\(length)")
                        }
                        try Self.checkChecksum(input, from: blockStart, to: blockEnd - 4)
                        blocks.append((blockStart + 4, blockEnd - 4))
                    } else {
                        blocks.append((blockStart, blockEnd))
                    }
                } else if type != 0 {
                    messages.append(HDF5Message(type: type, flags: flags, offset: data, size: size))
                    guard messages.count <= Self.messageLimit else {
                        throw .malformed(offset: data, expected: "at most \(Self.messageLimit) messages", found: "more")
                    }
                }
            }
        }
        self.messages = messages
    }

    /// The first message of `type`, if any.
    func first(_ type: Int) -> HDF5Message? {
        messages.first { $0.type == type }
    }

    /// Checks the lookup3 checksum stored at `end` over `start..<end`.
    static func checkChecksum(_ input: BinaryInput, from start: Int, to end: Int) throws(FileFormatError) {
        let stored = try input.uint32(end, "a checksum")
        let computed = try input.withBytes(start, end - start, "checksummed bytes") { raw throws(FileFormatError) in
            Lookup3.hash(raw)
        }
        guard stored == computed else {
            throw .checksumMismatch(offset: end, checksum: "lookup3", stored: stored, computed: computed)
        }
    }
}
