import Foundation

/// Finds a Python 3 interpreter for tests that check our files with an independent Python reader.
public enum Python {
    /// The first `python3` that imports every module in `modules`: `$REK_PYTHON` (which `.ci/run` sets),
    /// then each `python3` on `PATH`, then the usual install locations. `nil` when none does, so the
    /// test can skip with a message.
    public static func interpreter(importing modules: [String]) -> String? {
        var candidates: [String] = []
        let environment = ProcessInfo.processInfo.environment
        if let configured = environment["REK_PYTHON"], !configured.isEmpty { candidates.append(configured) }
        for folder in (environment["PATH"] ?? "").split(separator: ":") { candidates.append("\(folder)/python3") }
        candidates += ["/usr/bin/python3", "/usr/local/bin/python3", "/root/.pyenv/shims/python3"]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: candidate)
            process.arguments = ["-c", "import " + modules.joined(separator: ", ")]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { continue }
            process.waitUntilExit()
            if process.terminationStatus == 0 { return candidate }
        }
        return nil
    }

    /// Runs `script` (`python -c`) with `interpreter` and returns what it wrote to standard output, or
    /// `nil` when it exited with a failure (its standard error is discarded).
    public static func run(_ script: String, with interpreter: String) throws -> Data? {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: interpreter)
        process.arguments = ["-c", script]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? data : nil
    }
}
