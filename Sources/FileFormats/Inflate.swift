import Foundation

/// A DEFLATE decoder (RFC 1951): stored, fixed-Huffman and dynamic-Huffman blocks.
///
/// Damaged input never crashes or reads out of bounds: it throws a ``FileFormatError`` naming the
/// byte offset. The output is limited to a caller-chosen size, so a small malicious stream cannot
/// exhaust memory. ``Gzip`` and ``Zlib`` decode the container formats around DEFLATE data.
///
///     let bytes = try Inflate.decompress(rawDeflateData)
public enum Inflate {
    /// The default limit on the decompressed size: 2 GiB.
    public static let defaultMaximumOutputSize = 1 << 31

    /// Decompresses a raw DEFLATE stream (no zlib or gzip wrapper) that fills the whole input.
    ///
    /// - Parameters:
    ///   - bytes: The compressed stream.
    ///   - maximumOutputSize: The most bytes the output may have; a larger output throws
    ///     ``FileFormatError/outputTooLarge(offset:limit:)``.
    /// - Throws: ``FileFormatError`` for damaged, truncated or oversized data, or bytes after the final block.
    public static func decompress(
        _ bytes: some ContiguousBytes,
        maximumOutputSize: Int = defaultMaximumOutputSize
    ) throws(FileFormatError) -> [UInt8] {
        try withBytes(bytes) { input throws(FileFormatError) in
            let output = InflateOutput(initialCapacity: input.count * 4, limit: maximumOutputSize)
            let end = try inflate(input, from: 0, into: output)
            guard end == input.count else {
                throw .malformed(
                    offset: end, expected: "the end of the input after the final block",
                    found: "\(input.count - end) more bytes")
            }
            return output.array()
        }
    }

    /// Decodes the DEFLATE stream that starts at byte `start` of `input`, appending to `output`;
    /// returns the offset of the first byte after the stream.
    static func inflate(
        _ input: UnsafeRawBufferPointer, from start: Int,
        into output: InflateOutput
    ) throws(FileFormatError) -> Int {
        var decoder = DeflateDecoder(input: input, start: start)
        return try decoder.decodeStream(into: output)
    }
}

/// Calls `body` with the contiguous bytes of `bytes`, keeping the typed error.
func withBytes<R>(
    _ bytes: some ContiguousBytes,
    _ body: (UnsafeRawBufferPointer) throws(FileFormatError) -> R
) throws(FileFormatError) -> R {
    let result: Result<R, FileFormatError> = bytes.withUnsafeBytes { buffer in
        Result { () throws(FileFormatError) in try body(buffer) }
    }
    return try result.get()
}

/// The decoded bytes: a growing heap buffer with slack after the end, so that back-reference copies can
/// write whole 8-byte words.
final class InflateOutput {
    /// Bytes past `count` that a copy may overwrite: the longest match plus a word.
    static let slack = 258 + 8

    private(set) var base: UnsafeMutablePointer<UInt8>
    /// The bytes decoded so far.
    var count = 0
    private(set) var capacity: Int
    /// The caller's maximum output size.
    let limit: Int

    /// Creates an empty buffer with room for `initialCapacity` bytes (capped by `limit`).
    init(initialCapacity: Int, limit: Int) {
        self.limit = max(0, limit)
        capacity = min(max(initialCapacity, 1 << 16), self.limit) + Self.slack
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// The largest `count` at which one more literal or match (up to 258 bytes plus a word) still fits
    /// without growing, and without passing the limit by more than one match.
    var safeCount: Int { min(capacity - Self.slack, limit) }

    /// Makes room for `additional` more bytes plus the slack, growing geometrically up to the limit;
    /// throws when `count + additional` exceeds the limit.
    func reserve(_ additional: Int, offset: Int) throws(FileFormatError) {
        let needed = count + additional
        guard needed <= limit else { throw .outputTooLarge(offset: offset, limit: limit) }
        guard needed + Self.slack > capacity else { return }
        let newCapacity = min(max(needed, capacity * 2), limit) + Self.slack
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// The decoded bytes from `start` on.
    func bytes(from start: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + start, count: count - start)
    }

    /// A copy of the decoded bytes as an array.
    func array() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { buffer.baseAddress!.update(from: base, count: count) }
            initialized = count
        }
    }
}

/// The DEFLATE bit reader and block decoder for one stream.
///
/// Bits are read least significant first through a 64-bit buffer refilled eight bytes at a time.
/// Past the end of the input the buffer is padded with zero bits, so decoding never reads out of
/// bounds; consuming padding is reported as truncation at the next refill or at the end of the stream.
struct DeflateDecoder: ~Copyable {
    private let input: UnsafePointer<UInt8>
    private let inputCount: Int
    /// The next byte to load (beyond `inputCount` while padding).
    private var position: Int
    private var bitBuffer: UInt64 = 0
    /// Valid bits in `bitBuffer`; the bits above them may hold a copy of the next byte's low bits.
    private var bitCount = 0

    private let literalTable = HuffmanTable(primaryBits: 10, symbols: 288)
    private let distanceTable = HuffmanTable(primaryBits: 8, symbols: 32)
    private let codeLengthTable = HuffmanTable(primaryBits: 7, symbols: 19)
    /// Code lengths of a dynamic block: literal/length then distance (at most 286 + 30).
    private let lengths: UnsafeMutablePointer<UInt8> = {
        let lengths = UnsafeMutablePointer<UInt8>.allocate(capacity: 320)
        lengths.initialize(repeating: 0, count: 320)
        return lengths
    }()
    /// Whether the tables hold the fixed codes.
    private var tablesAreFixed = false

    init(input: UnsafeRawBufferPointer, start: Int) {
        // An empty buffer may have no base address; any valid pointer does, since none of it is read.
        self.input = input.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(lengths)
        inputCount = input.count
        position = start
    }

    deinit { lengths.deallocate() }

    /// Bits consumed from the start of the input.
    private var consumedBits: Int { position &* 8 &- bitCount }
    /// The byte holding the next unread bit: where an error is reported.
    private var offset: Int { min(consumedBits >> 3, inputCount) }

    /// Truncation if the decoder has consumed padding, else `error`: a stream cut short often decodes
    /// its zero padding into nonsense first.
    private func failure(_ error: FileFormatError) -> FileFormatError {
        consumedBits > inputCount &* 8
            ? .truncated(offset: inputCount, expected: "the end of the DEFLATE stream") : error
    }

    /// Tops the bit buffer up to at least 56 bits.
    @inline(__always)
    private mutating func refill() throws(FileFormatError) {
        if position &+ 8 <= inputCount {
            let word = UInt64(littleEndian: UnsafeRawPointer(input + position).loadUnaligned(as: UInt64.self))
            bitBuffer |= word &<< UInt64(bitCount)
            position &+= (63 &- bitCount) >> 3
            bitCount |= 56
        } else {
            try refillSlowly()
        }
    }

    /// Byte-at-a-time refill near the end of the input, padding with zeros.
    private mutating func refillSlowly() throws(FileFormatError) {
        if consumedBits > inputCount &* 8 {
            throw .truncated(offset: inputCount, expected: "the end of the DEFLATE stream")
        }
        while bitCount < 56 {
            let byte: UInt64 = position < inputCount ? UInt64(input[position]) : 0
            bitBuffer |= byte &<< UInt64(bitCount)
            position &+= 1
            bitCount &+= 8
        }
    }

    /// Reads and consumes `count` (at most 32) bits.
    private mutating func take(_ count: Int) throws(FileFormatError) -> Int {
        if bitCount < count { try refill() }
        let value = Int(truncatingIfNeeded: bitBuffer & ((1 &<< UInt64(count)) &- 1))
        bitBuffer &>>= UInt64(count)
        bitCount &-= count
        return value
    }

    /// Decodes blocks until the final one; returns the offset of the byte after the stream.
    mutating func decodeStream(into output: InflateOutput) throws(FileFormatError) -> Int {
        let windowStart = output.count
        var isFinal = false
        repeat {
            let blockOffset = offset
            isFinal = try take(1) == 1
            switch try take(2) {
            case 0:
                try storedBlock(into: output)
            case 1:
                fixedTables()
                try huffmanBlock(into: output, windowStart: windowStart)
            case 2:
                tablesAreFixed = false
                try dynamicTables()
                try huffmanBlock(into: output, windowStart: windowStart)
            default:
                throw failure(.malformed(offset: blockOffset, expected: "block type 0, 1 or 2", found: "block type 3"))
            }
        } while !isFinal
        let end = (consumedBits + 7) >> 3
        if end > inputCount { throw .truncated(offset: inputCount, expected: "the end of the DEFLATE stream") }
        return end
    }

    /// A stored block: byte-aligned LEN, NLEN and LEN raw bytes.
    private mutating func storedBlock(into output: InflateOutput) throws(FileFormatError) {
        // Drop the rest of the current byte, then read from the byte position the buffer has reached.
        let partial = bitCount & 7
        bitBuffer &>>= UInt64(partial)
        bitCount -= partial
        let start = position - bitCount / 8
        bitBuffer = 0
        bitCount = 0
        position = start
        guard start + 4 <= inputCount else {
            throw .truncated(offset: min(start, inputCount), expected: "a stored block's LEN and NLEN")
        }
        let length = Int(input[start]) | Int(input[start + 1]) << 8
        let complement = Int(input[start + 2]) | Int(input[start + 3]) << 8
        guard length ^ complement == 0xFFFF else {
            throw .malformed(
                offset: start + 2, expected: "NLEN, the one's complement of LEN \(length)",
                found: "\(complement)")
        }
        guard start + 4 + length <= inputCount else {
            throw .truncated(offset: inputCount, expected: "the \(length) bytes of a stored block at byte \(start)")
        }
        try output.reserve(length, offset: start + 4)
        (output.base + output.count).update(from: input + start + 4, count: length)
        output.count += length
        position = start + 4 + length
    }

    /// The fixed codes of block type 1 (RFC 1951, 3.2.6), built once and kept while blocks use them.
    private mutating func fixedTables() {
        if tablesAreFixed { return }
        for symbol in 0..<288 {
            lengths[symbol] = symbol < 144 ? 8 : symbol < 256 ? 9 : symbol < 280 ? 7 : 8
        }
        for symbol in 288..<320 { lengths[symbol] = 5 }
        do {
            try literalTable.build(
                lengths: lengths, count: 288, templates: HuffmanTemplates.literalLength, allowIncomplete: false)
            try distanceTable.build(
                lengths: lengths + 288, count: 32, templates: HuffmanTemplates.distance, allowIncomplete: false)
        } catch {
            preconditionFailure("the fixed Huffman codes are complete")
        }
        tablesAreFixed = true
    }

    /// Reads the code lengths of a dynamic block (RFC 1951, 3.2.7) and builds its tables.
    private mutating func dynamicTables() throws(FileFormatError) {
        let headerOffset = offset
        let literalCount = try take(5) + 257
        let distanceCount = try take(5) + 1
        let codeLengthCount = try take(4) + 4
        guard literalCount <= 286 else {
            throw failure(
                .malformed(offset: headerOffset, expected: "at most 286 literal/length codes", found: "\(literalCount)")
            )
        }
        guard distanceCount <= 30 else {
            throw failure(
                .malformed(offset: headerOffset, expected: "at most 30 distance codes", found: "\(distanceCount)"))
        }

        // The code-length code's lengths go to the front of `lengths`, which the decoded lengths overwrite later.
        let codeLengthOffset = offset
        lengths.update(repeating: 0, count: 19)
        for i in 0..<codeLengthCount { lengths[HuffmanTemplates.codeLengthOrder[i]] = UInt8(try take(3)) }
        do {
            try codeLengthTable.build(
                lengths: lengths, count: 19, templates: HuffmanTemplates.codeLength, allowIncomplete: false)
        } catch {
            throw failure(
                .malformed(
                    offset: codeLengthOffset, expected: "a complete code-length code",
                    found: error == .overSubscribed ? "an over-subscribed code" : "an incomplete code"))
        }

        let total = literalCount + distanceCount
        var index = 0
        let table = codeLengthTable.entries
        while index < total {
            let symbolOffset = offset
            if bitCount < 14 { try refill() }
            let entry = table[Int(truncatingIfNeeded: bitBuffer & 0x7F)]
            guard entry & HuffmanTable.invalid == 0 else {
                throw failure(.malformed(offset: symbolOffset, expected: "a code-length code", found: "an unused code"))
            }
            let codeLength = Int(entry & 0xF)
            bitBuffer &>>= UInt64(codeLength)
            bitCount -= codeLength
            let symbol = Int(entry >> 16)
            if symbol < 16 {
                lengths[index] = UInt8(symbol)
                index += 1
                continue
            }
            let value: UInt8
            let repeats: Int
            switch symbol {
            case 16:
                guard index > 0 else {
                    throw failure(
                        .malformed(
                            offset: symbolOffset, expected: "a code length before repeat code 16",
                            found: "repeat code 16 first"))
                }
                value = lengths[index - 1]
                repeats = 3 + (try take(2))
            case 17:
                value = 0
                repeats = 3 + (try take(3))
            default:
                value = 0
                repeats = 11 + (try take(7))
            }
            guard index + repeats <= total else {
                throw failure(
                    .malformed(
                        offset: symbolOffset, expected: "at most \(total) code lengths",
                        found: "a repeat to \(index + repeats)"))
            }
            (lengths + index).update(repeating: value, count: repeats)
            index += repeats
        }
        guard lengths[256] != 0 else {
            throw failure(
                .malformed(offset: codeLengthOffset, expected: "a code for end-of-block (256)", found: "none"))
        }
        do {
            try literalTable.build(
                lengths: lengths, count: literalCount, templates: HuffmanTemplates.literalLength,
                allowIncomplete: true)
        } catch {
            throw failure(
                .malformed(
                    offset: codeLengthOffset, expected: "a complete literal/length code",
                    found: error == .overSubscribed ? "an over-subscribed code" : "an incomplete code"))
        }
        do {
            try distanceTable.build(
                lengths: lengths + literalCount, count: distanceCount,
                templates: HuffmanTemplates.distance, allowIncomplete: true)
        } catch {
            throw failure(
                .malformed(
                    offset: codeLengthOffset, expected: "a complete distance code",
                    found: error == .overSubscribed ? "an over-subscribed code" : "an incomplete code"))
        }
    }

    /// Decodes literals and matches with the current tables until end-of-block.
    ///
    /// The hot loop keeps the bit buffer and the output in locals and writes them back before any
    /// call that needs them (refilling near the end of the input, growing the output, returning).
    private mutating func huffmanBlock(into output: InflateOutput, windowStart: Int) throws(FileFormatError) {
        let literals = UnsafePointer(literalTable.entries)
        let distances = UnsafePointer(distanceTable.entries)
        let literalMask = (1 << literalTable.primaryBits) - 1
        let literalPrimaryBits = UInt64(literalTable.primaryBits)
        let distanceMask = (1 << distanceTable.primaryBits) - 1
        let distancePrimaryBits = UInt64(distanceTable.primaryBits)
        let fastEnd = inputCount - 8

        var buffer = bitBuffer
        var bits = bitCount
        var position = self.position
        var out = output.base
        var count = output.count
        var safeCount = output.safeCount

        while true {
            if bits < 48 {
                if position <= fastEnd {
                    let word = UInt64(littleEndian: UnsafeRawPointer(input + position).loadUnaligned(as: UInt64.self))
                    buffer |= word &<< UInt64(bits)
                    position &+= (63 &- bits) >> 3
                    bits |= 56
                } else {
                    bitBuffer = buffer
                    bitCount = bits
                    self.position = position
                    try refillSlowly()
                    buffer = bitBuffer
                    bits = bitCount
                    position = self.position
                }
            }
            if count > safeCount {
                output.count = count
                try output.reserve(0, offset: (position &* 8 &- bits) >> 3)
                out = output.base
                safeCount = output.safeCount
            }

            var entry = literals[Int(truncatingIfNeeded: buffer) & literalMask]
            if entry & HuffmanTable.link != 0 {
                buffer &>>= literalPrimaryBits
                bits &-= Int(literalPrimaryBits)
                entry =
                    literals[
                        Int(entry >> 16) &+ Int(truncatingIfNeeded: buffer) & ((1 &<< Int((entry >> 4) & 0xF)) &- 1)]
            }
            let codeLength = entry & 0xF
            buffer &>>= UInt64(codeLength)
            bits &-= Int(codeLength)

            if entry & (HuffmanTable.base | HuffmanTable.endOfBlock | HuffmanTable.invalid) == 0 {
                out[count] = UInt8(truncatingIfNeeded: entry >> 16)
                count &+= 1
                continue
            }
            if entry & HuffmanTable.base != 0 {
                let lengthExtra = UInt64((entry >> 4) & 0xF)
                let length = Int(entry >> 16) &+ Int(truncatingIfNeeded: buffer & ((1 &<< lengthExtra) &- 1))
                buffer &>>= lengthExtra
                bits &-= Int(lengthExtra)

                var distanceEntry = distances[Int(truncatingIfNeeded: buffer) & distanceMask]
                if distanceEntry & HuffmanTable.link != 0 {
                    buffer &>>= distancePrimaryBits
                    bits &-= Int(distancePrimaryBits)
                    distanceEntry =
                        distances[
                            Int(distanceEntry >> 16)
                                &+ Int(truncatingIfNeeded: buffer) & ((1 &<< Int((distanceEntry >> 4) & 0xF)) &- 1)]
                }
                let distanceCodeLength = distanceEntry & 0xF
                buffer &>>= UInt64(distanceCodeLength)
                bits &-= Int(distanceCodeLength)
                guard distanceEntry & HuffmanTable.base != 0 else {
                    bitBuffer = buffer
                    bitCount = bits
                    self.position = position
                    output.count = count
                    throw failure(.malformed(offset: offset, expected: "a distance code", found: "an unused code"))
                }
                let distanceExtra = UInt64((distanceEntry >> 4) & 0xF)
                let distance =
                    Int(distanceEntry >> 16) &+ Int(truncatingIfNeeded: buffer & ((1 &<< distanceExtra) &- 1))
                buffer &>>= distanceExtra
                bits &-= Int(distanceExtra)

                guard distance <= count &- windowStart else {
                    bitBuffer = buffer
                    bitCount = bits
                    self.position = position
                    output.count = count
                    throw failure(.distanceTooFar(offset: offset, distance: distance, available: count - windowStart))
                }
                let target = out + count
                let source = target - distance
                if distance >= 8 {
                    // Whole words; each reads only bytes already written, and may run up to 7 bytes into the slack.
                    var i = 0
                    repeat {
                        UnsafeMutableRawPointer(target + i).storeBytes(
                            of: UnsafeRawPointer(source + i).loadUnaligned(as: UInt64.self), as: UInt64.self)
                        i &+= 8
                    } while i < length
                } else if distance == 1 {
                    target.update(repeating: source.pointee, count: length)
                } else {
                    for i in 0..<length { target[i] = source[i] }
                }
                count &+= length
                continue
            }
            bitBuffer = buffer
            bitCount = bits
            self.position = position
            output.count = count
            if entry & HuffmanTable.endOfBlock != 0 {
                if count > output.limit { throw .outputTooLarge(offset: offset, limit: output.limit) }
                return
            }
            throw failure(.malformed(offset: offset, expected: "a literal/length code", found: "an unused code"))
        }
    }
}
