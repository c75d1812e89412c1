internal import FileFormats
import Foundation
import Tensor

/// Reads and writes the [safetensors](https://huggingface.co/docs/safetensors) format: an 8-byte
/// little-endian header length, a JSON header mapping each name to `dtype`, `shape` and
/// `data_offsets`, then the raw little-endian data. Python reads the files with
/// `safetensors.numpy.load_file(path)`.
///
/// Reading validates everything before touching the data: header length within the file, JSON shape,
/// dtype `F32`, offsets within the data and matching the shape, so a truncated or corrupt file throws
/// ``SavingError`` and never reads out of bounds.
public enum Safetensors {
    /// Encodes named tensors (in the given order) and optional string metadata.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for (name, tensor) in tensors {
            let size = tensor.count * MemoryLayout<Float>.size
            header[name] =
                ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + size]] as [String: Any]
            offset += size
        }
        // JSONSerialization of strings, integers and arrays cannot fail.
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8)
        while (8 + json.count) % 8 != 0 { json.append(0x20) }  // pad with spaces, as the reference writer does
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, tensor) in tensors {
            tensor.withUnsafeBufferPointer { buffer in
                for value in buffer {
                    withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
                }
            }
        }
        return data
    }

    /// The largest header accepted, in bytes (the reference implementation's limit).
    public static let maximumHeaderLength = 100_000_000

    /// Decodes a safetensors file held in memory; `path` names it in errors.
    ///
    /// Everything is checked before any tensor is allocated, with overflow-checked arithmetic:
    /// - the header length is at most ``maximumHeaderLength`` and within the file;
    /// - the header is one JSON object without duplicate keys; each entry has exactly `dtype`,
    ///   `shape` and `data_offsets`, the dtype is `F32`, and `data_offsets` hold `4 · product(shape)`
    ///   bytes;
    /// - the tensors tile the data section exactly: sorted by offset, each begins where the previous
    ///   ends, the first at 0 and the last at the end of the file (no overlap, gap or trailing bytes);
    /// - every value is finite.
    ///
    /// - Throws: ``SavingError``: ``SavingError/truncated(path:expected:found:)``,
    ///   ``SavingError/duplicateKey(path:key:)``, ``SavingError/unsupportedDType(path:tensor:dtype:)``,
    ///   ``SavingError/invalidTensor(path:tensor:reason:)``, ``SavingError/nonFiniteWeight(path:tensor:index:)``
    ///   or ``SavingError/corrupt(path:reason:)`` for the rest.
    public static func decode(_ data: Data, path: String) throws(SavingError) -> (
        tensors: [String: Tensor], metadata: [String: String]
    ) {
        guard data.count >= 8 else { throw .truncated(path: path, expected: 8, found: data.count) }
        let headerLength64 = data.prefix(8).enumerated().reduce(UInt64(0)) {
            $0 | UInt64($1.element) << (8 * UInt64($1.offset))
        }
        guard headerLength64 <= UInt64(maximumHeaderLength) else {
            throw .corrupt(
                path: path,
                reason: "the header length \(headerLength64) exceeds the limit of \(maximumHeaderLength) bytes")
        }
        let headerLength = Int(headerLength64)
        guard headerLength <= data.count - 8 else {
            throw .truncated(path: path, expected: 8 + headerLength, found: data.count)
        }
        let start = data.startIndex
        let header: StrictJSON
        do {
            header = try StrictJSON.parse(data[(start + 8)..<(start + 8 + headerLength)], maximumDepth: 3)
        } catch {
            if error.isDuplicateKey { throw .duplicateKey(path: path, key: error.path + ": " + error.reason) }
            throw .corrupt(path: path, reason: "the header is not valid JSON \(error.description)")
        }
        guard case let .object(members) = header else {
            throw .corrupt(path: path, reason: "the header is not a JSON object")
        }
        let body = data[(start + 8 + headerLength)...]

        var metadata: [String: String] = [:]
        var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for member in members {
            let (name, value) = (member.key, member.value)
            if name == "__metadata__" {
                guard case let .object(pairs) = value else {
                    throw .corrupt(path: path, reason: "__metadata__ is not a string map")
                }
                for pair in pairs {
                    guard case let .string(text) = pair.value else {
                        throw .corrupt(path: path, reason: "__metadata__ is not a string map")
                    }
                    metadata[pair.key] = text
                }
                continue
            }
            guard case let .object(fields) = value, fields.count == 3,
                case let .string(dtype)? = value["dtype"], case let .array(shapeValues)? = value["shape"],
                case let .array(offsetValues)? = value["data_offsets"]
            else {
                throw .invalidTensor(
                    path: path, tensor: name, reason: "expected exactly the keys dtype, shape and data_offsets")
            }
            guard dtype == "F32" else { throw .unsupportedDType(path: path, tensor: name, dtype: dtype) }
            var shape: [Int] = []
            for case let .integer(dimension) in shapeValues where dimension >= 0 { shape.append(dimension) }
            guard shape.count == shapeValues.count else {
                throw .invalidTensor(
                    path: path, tensor: name,
                    reason: "shape \(describe(shapeValues)) is not a list of non-negative integers")
            }
            guard let count = checkedProduct(shape), case let (bytes, false) = count.multipliedReportingOverflow(by: 4)
            else {
                throw .invalidTensor(
                    path: path, tensor: name, reason: "shape \(shape) has more elements than an Int counts")
            }
            guard offsetValues.count == 2, case let .integer(begin) = offsetValues[0],
                case let .integer(end) = offsetValues[1],
                begin >= 0, end >= begin
            else {
                throw .invalidTensor(
                    path: path, tensor: name,
                    reason: "data_offsets \(describe(offsetValues)) are not two integers 0 ≤ begin ≤ end")
            }
            guard end - begin == bytes else {
                throw .invalidTensor(
                    path: path, tensor: name,
                    reason:
                        "data_offsets [\(begin), \(end)] hold \(end - begin) bytes; shape \(shape) of F32 needs \(bytes)"
                )
            }
            entries.append((name, shape, begin, end))
        }

        // The data section must be tiled exactly: no overlap, no gap, nothing after the last tensor.
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var expected = 0
        var previous: String?
        for entry in entries {
            if entry.begin < expected {
                throw .invalidTensor(
                    path: path, tensor: entry.name,
                    reason:
                        "data_offsets [\(entry.begin), \(entry.end)] overlap tensor '\(previous ?? "")', which ends at \(expected)"
                )
            }
            if entry.begin > expected {
                throw .invalidTensor(
                    path: path, tensor: entry.name,
                    reason:
                        "data_offsets [\(entry.begin), \(entry.end)] leave unused bytes \(expected)..<\(entry.begin)")
            }
            expected = entry.end
            previous = entry.name
        }
        if expected > body.count {
            let (total, overflow) = (8 + headerLength).addingReportingOverflow(expected)
            throw .truncated(path: path, expected: overflow ? Int.max : total, found: data.count)
        }
        guard expected == body.count else {
            throw .corrupt(
                path: path,
                reason:
                    "\(body.count - expected) bytes follow the last tensor's data (expected the file to end at byte \(8 + headerLength + expected))"
            )
        }

        var tensors: [String: Tensor] = [:]
        for entry in entries {
            let count = (entry.end - entry.begin) / 4
            var scalars = [Float](repeating: 0, count: count)
            let base = body.startIndex + entry.begin
            scalars.withUnsafeMutableBytes { target in
                _ = body[base..<(base + count * 4)].copyBytes(to: target)
            }
            if UInt32(littleEndian: 1) != 1 { scalars = scalars.map { Float(bitPattern: $0.bitPattern.byteSwapped) } }
            if let bad = scalars.firstIndex(where: { !$0.isFinite }) {
                throw .nonFiniteWeight(path: path, tensor: entry.name, index: bad)
            }
            tensors[entry.name] = Tensor(shape: entry.shape, scalars: scalars)
        }
        return (tensors, metadata)
    }

    /// A short rendering of JSON values for error messages.
    private static func describe(_ values: [StrictJSON]) -> String {
        "["
            + values.prefix(8).map { value -> String in
                switch value {
                case let .integer(number): "\(number)"
                case let .number(number): "\(number)"
                case let .string(text): "\"\(text.prefix(40))\""
                case .null: "null"
                case let .bool(flag): "\(flag)"
                case .array: "[…]"
                case .object: "{…}"
                }
            }.joined(separator: ", ") + (values.count > 8 ? ", …" : "") + "]"
    }
}

/// The product of `factors`, or `nil` when one is negative or the product overflows `Int`.
func checkedProduct(_ factors: [Int]) -> Int? {
    var product = 1
    for factor in factors {
        guard factor >= 0 else { return nil }
        let (next, overflow) = product.multipliedReportingOverflow(by: factor)
        if overflow { return nil }
        product = next
    }
    return product
}

/// Writes `data` to `url` atomically with `AtomicFile`: a temporary file beside it, flushed, then a
/// rename. Missing parent folders are created.
func writeAtomically(_ data: Data, to url: URL) throws(SavingError) {
    do {
        try AtomicFile.write(data, to: url)
    } catch {
        throw .unwritable(path: error.path, reason: error.reason)
    }
}

/// Reads a whole file.
func readFile(_ url: URL) throws(SavingError) -> Data {
    do {
        return try Data(contentsOf: url)
    } catch {
        throw .unreadable(path: url.path, reason: (error as NSError).localizedDescription)
    }
}
