/// Lookup tables for decoding canonical Huffman codes as DEFLATE stores them (RFC 1951, 3.2.2).
///
/// A table is a primary array indexed by the next `primaryBits` input bits (least significant bit
/// first, as DEFLATE packs codes), plus sub-tables for longer codes, like zlib's `inflate_table`.
/// Each entry is a `UInt32`:
///
/// - bits 0–3: how many input bits the entry consumes (the code length, or `primaryBits` for a link);
/// - bits 4–7: how many extra bits follow the code (lengths and distances), or a link's sub-table bits;
/// - bits 8–11: flags, ``link``, ``base``, ``endOfBlock`` or ``invalid`` (none: a literal byte);
/// - bits 16–31: the value: a literal byte, a base length or distance, or a link's sub-table start.
struct HuffmanTable: ~Copyable {
    /// The entry points to a sub-table for codes longer than the primary bits.
    static let link: UInt32 = 0x100
    /// The entry is a length or distance: a base value plus extra bits.
    static let base: UInt32 = 0x200
    /// The entry is the end-of-block code (256).
    static let endOfBlock: UInt32 = 0x400
    /// No code maps here (an incomplete code), or the code is one the format reserves (286, 287, 30, 31).
    static let invalid: UInt32 = 0x800

    /// The entries, primary table first.
    let entries: UnsafeMutablePointer<UInt32>
    /// How many input bits index the primary table.
    let primaryBits: Int
    /// Entries allocated: the primary table and room for the sub-tables of the largest alphabet.
    let capacity: Int
    /// Scratch space for building: codes per length, next code per length, bit-reversed code per
    /// symbol, sub-table bits per primary prefix.
    private let scratch: UnsafeMutablePointer<Int>
    private let maxSymbols: Int

    /// Allocates a table for codes of up to 15 bits over an alphabet of up to `symbols` symbols.
    init(primaryBits: Int, symbols: Int) {
        precondition((1...15).contains(primaryBits))
        self.primaryBits = primaryBits
        maxSymbols = symbols
        // Each code longer than the primary bits starts at most one sub-table of at most 2^(15 - primaryBits) entries.
        capacity = (1 << primaryBits) + symbols << (15 - primaryBits)
        // Not initialized here: `build` writes the primary table and each sub-table before they can be read.
        entries = .allocate(capacity: capacity)
        let scratchCount = 32 + symbols + (1 << primaryBits)
        scratch = .allocate(capacity: scratchCount)
        scratch.initialize(repeating: 0, count: scratchCount)
    }

    deinit {
        entries.deallocate()
        scratch.deallocate()
    }

    /// Why a set of code lengths does not form a usable code.
    enum BuildError: Error {
        /// More codes of some length than the code space allows.
        case overSubscribed
        /// Unused code space, which DEFLATE allows only for a single one-bit code.
        case incomplete
    }

    /// Fills the table for the canonical code with `lengths` (0 = symbol unused, at most 15);
    /// `templates[symbol]` gives each symbol's flags, extra bits and value.
    ///
    /// An empty code (all lengths 0) gives a table of invalid entries. An incomplete code is accepted
    /// when `allowIncomplete` and it is a single one-bit code (as zlib does); otherwise it is an error.
    func build(
        lengths: UnsafePointer<UInt8>, count symbolCount: Int, templates: [UInt32],
        allowIncomplete: Bool
    ) throws(BuildError) {
        precondition(symbolCount <= maxSymbols)
        let count = scratch
        let nextCode = scratch + 16
        let reversed = scratch + 32
        let subBits = scratch + 32 + maxSymbols
        let primarySize = 1 << primaryBits
        let primaryMask = primarySize - 1
        count.update(repeating: 0, count: 16)
        var maxLength = 0
        for symbol in 0..<symbolCount where lengths[symbol] != 0 {
            let length = Int(lengths[symbol])
            count[length] += 1
            maxLength = max(maxLength, length)
        }
        entries.update(repeating: Self.invalid, count: primarySize)
        if maxLength == 0 { return }

        // Kraft inequality: over-subscribed codes are never valid, incomplete ones rarely.
        var left = 1
        for length in 1...15 {
            left = left << 1 - count[length]
            if left < 0 { throw .overSubscribed }
        }
        if left > 0 && !(allowIncomplete && maxLength == 1) { throw .incomplete }

        // First code of each length (RFC 1951, 3.2.2, step 2); count[0] is 0.
        var code = 0
        for length in 1...15 {
            code = (code + count[length - 1]) << 1
            nextCode[length] = code
        }
        // Bit-reversed codes per symbol, since the decoder reads codes least significant bit first.
        for symbol in 0..<symbolCount where lengths[symbol] != 0 {
            let length = Int(lengths[symbol])
            reversed[symbol] = reverse(nextCode[length], length: length)
            nextCode[length] += 1
        }

        if maxLength > primaryBits {
            // Sub-table size per primary prefix: enough bits for its longest code.
            subBits.update(repeating: 0, count: primarySize)
            for symbol in 0..<symbolCount where Int(lengths[symbol]) > primaryBits {
                let prefix = reversed[symbol] & primaryMask
                subBits[prefix] = max(subBits[prefix], Int(lengths[symbol]) - primaryBits)
            }
            var free = primarySize
            for prefix in 0..<primarySize where subBits[prefix] != 0 {
                let bits = subBits[prefix]
                entries[prefix] = UInt32(free) << 16 | UInt32(bits) << 4 | Self.link | UInt32(primaryBits)
                (entries + free).update(repeating: Self.invalid, count: 1 << bits)
                free += 1 << bits
            }
        }

        for symbol in 0..<symbolCount where lengths[symbol] != 0 {
            let length = Int(lengths[symbol])
            let code = reversed[symbol]
            if length <= primaryBits {
                let entry = templates[symbol] | UInt32(length)
                var index = code
                while index < primarySize {
                    entries[index] = entry
                    index += 1 << length
                }
            } else {
                let link = entries[code & primaryMask]
                let start = Int(link >> 16)
                let subSize = 1 << Int((link >> 4) & 0xF)
                let subLength = length - primaryBits
                let entry = templates[symbol] | UInt32(subLength)
                var index = code >> primaryBits
                while index < subSize {
                    entries[start + index] = entry
                    index += 1 << subLength
                }
            }
        }
    }
}

/// The lowest `length` bits of `code`, in reverse order.
private func reverse(_ code: Int, length: Int) -> Int {
    var value = UInt16(truncatingIfNeeded: code)
    value = (value & 0x5555) << 1 | (value >> 1) & 0x5555
    value = (value & 0x3333) << 2 | (value >> 2) & 0x3333
    value = (value & 0x0F0F) << 4 | (value >> 4) & 0x0F0F
    value = value << 8 | value >> 8
    return Int(value >> (16 - length))
}

/// Entry templates (flags, extra bits, value; the code length is added when building) per alphabet.
enum HuffmanTemplates {
    /// Literal/length alphabet: 0–255 literal bytes, 256 end of block, 257–285 lengths, 286–287 reserved.
    static let literalLength: [UInt32] = {
        let bases = [
            3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
            35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
        ]
        let extra = [
            0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
            3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
        ]
        var templates = (0..<256).map { UInt32($0) << 16 }
        templates.append(HuffmanTable.endOfBlock)
        for i in 0..<29 { templates.append(UInt32(bases[i]) << 16 | UInt32(extra[i]) << 4 | HuffmanTable.base) }
        templates += [HuffmanTable.invalid, HuffmanTable.invalid]
        return templates
    }()

    /// Distance alphabet: 0–29 distances, 30–31 reserved.
    static let distance: [UInt32] = {
        let bases = [
            1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
            257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
        ]
        var templates: [UInt32] = []
        for i in 0..<30 {
            let extra = i < 4 ? 0 : i / 2 - 1
            templates.append(UInt32(bases[i]) << 16 | UInt32(extra) << 4 | HuffmanTable.base)
        }
        templates += [HuffmanTable.invalid, HuffmanTable.invalid]
        return templates
    }()

    /// Code-length alphabet (RFC 1951, 3.2.7): the symbol itself as the value.
    static let codeLength: [UInt32] = (0..<19).map { UInt32($0) << 16 }

    /// The order in which a dynamic block stores the code-length code lengths.
    static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
}
