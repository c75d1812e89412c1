import Foundation

/// Finds the real data sets in `../shared/data` beside the project, so tests that need them can skip
/// with a clear reason when they are absent.
public enum SharedData {
    /// The `shared/data` folder, searched upward from this source file and from the working directory.
    public static let directory: URL? = {
        var candidates: [URL] = []
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(folder.appendingPathComponent("../shared/data").standardizedFileURL)
            folder.deleteLastPathComponent()
        }
        candidates.append(
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
                .appendingPathComponent("../shared/data").standardizedFileURL)
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("README.md").path) }
    }()

    /// The URL of `name` in the shared data folder, if present.
    public static func url(_ name: String) -> URL? {
        guard let url = directory?.appendingPathComponent(name),
            FileManager.default.fileExists(atPath: url.path)
        else { return nil }
        return url
    }

    /// Whether `sheet-break.csv` is present.
    public static var hasSheetBreak: Bool { url("sheet-break.csv") != nil }
    /// Whether `ecg.csv` is present.
    public static var hasECG: Bool { url("ecg.csv") != nil }
}
