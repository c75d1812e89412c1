import Foundation
import Tensor
internal import FileFormats

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
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + size]] as [String: Any]
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
                for value in buffer { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            }
        }
        return data
    }

    /// Decodes a safetensors file held in memory; `path` names it in errors.
    ///
    /// - Throws: ``SavingError``.
    public static func decode(_ data: Data, path: String) throws(SavingError) -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard data.count >= 8 else { throw .truncated(path: path, expected: 8, found: data.count) }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw .truncated(path: path, expected: headerLength > UInt64(Int.max - 8) ? Int.max : 8 + Int(headerLength), found: data.count)
        }
        let start = data.startIndex
        let headerData = data[(start + 8)..<(start + 8 + Int(headerLength))]
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw .corrupt(path: path, reason: "the header is not a JSON object")
        }
        let body = data[(start + 8 + Int(headerLength))...]
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let map = value as? [String: String] else { throw .corrupt(path: path, reason: "__metadata__ is not a string map") }
                metadata = map
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw .corrupt(path: path, reason: "entry '\(name)' lacks dtype, shape or data_offsets")
            }
            guard dtype == "F32" else { throw .unsupportedDType(path: path, tensor: name, dtype: dtype) }
            guard shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else {
                throw .corrupt(path: path, reason: "tensor '\(name)' has an invalid shape \(shape)")
            }
            let (count, overflow) = shape.reduce((1, false)) { partial, dimension in
                let (product, overflow) = partial.0.multipliedReportingOverflow(by: dimension)
                return (product, partial.1 || overflow)
            }
            guard !overflow, offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] - offsets[0] == count * 4 else {
                throw .corrupt(path: path, reason: "tensor '\(name)' has offsets \(offsets) that do not fit shape \(shape)")
            }
            guard offsets[1] <= body.count else {
                throw .truncated(path: path, expected: 8 + Int(headerLength) + offsets[1], found: data.count)
            }
            var scalars = [Float](repeating: 0, count: count)
            let base = body.startIndex + offsets[0]
            scalars.withUnsafeMutableBytes { target in
                _ = body[base..<(base + count * 4)].copyBytes(to: target)
            }
            if UInt32(littleEndian: 1) != 1 { scalars = scalars.map { Float(bitPattern: $0.bitPattern.byteSwapped) } }
            tensors[name] = Tensor(shape: shape, scalars: scalars)
        }
        return (tensors, metadata)
    }
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
