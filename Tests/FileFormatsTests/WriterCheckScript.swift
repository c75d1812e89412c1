import Foundation
import TestSupport

/// Runs scripts/check_file_writers.py, which reads our files with independent readers (Python's
/// zipfile, h5py, Keras), and decodes the JSON it prints.
enum WriterCheckScript {
    /// The interpreter for the `zip` checks (standard library only).
    static let zipPython = Python.interpreter(importing: ["zipfile", "json"])
    /// The interpreter for the `hdf5` checks.
    static let hdf5Python = Python.interpreter(importing: ["h5py", "numpy"])
    /// The interpreter for the `keras` checks.
    static let kerasPython = Python.interpreter(importing: ["h5py", "numpy", "keras"])

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scripts/check_file_writers.py").standardizedFileURL

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The script's decoded output for `arguments`.
    static func run<T: Decodable>(_ type: T.Type, python: String, _ arguments: [String]) throws -> T {
        let process = Process()
        let output = Pipe()
        let errors = Pipe()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path] + arguments
        process.standardOutput = output
        process.standardError = errors
        var environment = ProcessInfo.processInfo.environment
        environment["TF_CPP_MIN_LOG_LEVEL"] = "3"
        environment["CUDA_VISIBLE_DEVICES"] = ""
        process.environment = environment
        try process.run()
        // Read both pipes concurrently-safe: stderr is small, stdout may be large.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let messages = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description: "check_file_writers.py \(arguments.first ?? "") failed: "
                    + String(decoding: messages.suffix(2000), as: UTF8.self))
        }
        // libhdf5 prints its error stack even for problems it recovers from.
        let diagnostics = String(decoding: messages, as: UTF8.self)
        guard !diagnostics.contains("HDF5-DIAG") else {
            throw Failure(description: "libhdf5 reported problems: " + String(diagnostics.prefix(2000)))
        }
        return try JSONDecoder().decode(T.self, from: data)
    }

    /// A fresh temporary folder.
    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-writers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Lower-case hexadecimal digits of `bytes`, as Python's `bytes.hex()`.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return text
    }

    /// The little-endian bytes of `values`.
    static func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    }
}
