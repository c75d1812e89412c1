import FileFormats
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct AtomicFileTests {
    @Test func createsFoldersReplacesFilesAndLeavesNoTemporaryFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-atomic-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("a/b/file.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: url)
        #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
        try AtomicFile.write(Data(), to: url)
        #expect(try Data(contentsOf: url).isEmpty)
        try AtomicFile.write(Data("replaced".utf8), to: url)
        #expect(try Data(contentsOf: url) == Data("replaced".utf8))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path) == ["file.bin"])
    }

    @Test func reportsThePathWhenItCannotWrite() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-atomic-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try AtomicFile.write(Data([0]), to: folder.appendingPathComponent("plain-file"))
        // A path below a regular file cannot exist.
        let url = folder.appendingPathComponent("plain-file/inside.txt")
        do {
            try AtomicFile.write(Data([1]), to: url)
            Issue.record("expected an error")
        } catch {
            #expect(error.path == url.path)
            #expect(error.description.hasPrefix("cannot write \(url.path): "))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["plain-file"])
        // Without folder creation, a missing folder is an error too.
        #expect(throws: AtomicWriteError.self) {
            try AtomicFile.write(
                Data([1]), to: folder.appendingPathComponent("missing/file"), creatingParentFolders: false)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("missing").path))
    }
}

/// A fresh empty folder under the temporary directory.
private func scratchFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rek-atomic-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The sorted entries of a folder, hidden ones included.
private func entries(_ url: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
}

/// The files of a folder and their contents.
private func contents(_ url: URL) throws -> [String: Data] {
    var result: [String: Data] = [:]
    for name in try entries(url) { result[name] = try Data(contentsOf: url.appendingPathComponent(name)) }
    return result
}

/// The process id of a process that has exited and been reaped, so it no longer runs.
private func deadProcessID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "exit 0"]
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}

/// Renames this process' leftover temporaries in `folder` as if a process that has since died (`pid`)
/// had left them: a simulated crash leaves them under our own process id, which no cleanup touches.
private func attributeLeftovers(in folder: URL, to pid: Int32) throws {
    let own = "-\(getpid())-"
    for name in try entries(folder) where name.hasPrefix(".") && name.contains(own) {
        try FileManager.default.moveItem(
            at: folder.appendingPathComponent(name),
            to: folder.appendingPathComponent(name.replacingOccurrences(of: own, with: "-\(pid)-")))
    }
}

@Suite struct AtomicFolderTests {
    static let previous: [(name: String, data: Data)] = [
        ("config.json", Data("old config".utf8)), ("model.safetensors", Data([1, 2, 3])),
    ]
    static let next: [(name: String, data: Data)] = [
        ("config.json", Data("new config".utf8)), ("model.safetensors", Data([4, 5, 6, 7])),
    ]
    static func dictionary(_ files: [(name: String, data: Data)]) -> [String: Data] {
        Dictionary(uniqueKeysWithValues: files.map { ($0.name, $0.data) })
    }

    @Test(arguments: [true, false])
    func createsThenReplacesAFolderLeavingNoTemporaries(exchange: Bool) throws {
        let parent = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let target = parent.appendingPathComponent("a/b/model")  // missing parents are created
        try AtomicFile.writeFolder(Self.previous, to: target, allowingExchange: exchange) { _ in }
        #expect(try contents(target) == Self.dictionary(Self.previous))
        try AtomicFile.writeFolder(Self.next, to: target, allowingExchange: exchange) { _ in }
        #expect(try contents(target) == Self.dictionary(Self.next))
        #expect(try entries(target.deletingLastPathComponent()) == ["model"])
        // An existing empty folder (made by the user) is filled.
        let empty = parent.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: false)
        try AtomicFile.writeFolder(Self.next, to: empty, allowingExchange: exchange) { _ in }
        #expect(try contents(empty) == Self.dictionary(Self.next))
        #expect(try entries(parent) == ["a", "empty"])
    }

    /// An error after any step (a full disk, an I/O error) leaves the previous folder exactly as it was
    /// and removes every temporary.
    @Test(arguments: [true, false])
    func aFailureAtAnyStepKeepsThePreviousFolder(exchange: Bool) throws {
        let steps: [AtomicFolderStep] =
            [
                .createdTemporaryFolder, .wroteFile("config.json"), .wroteFile("model.safetensors"),
                .wroteAllFiles,
            ] + (exchange ? [] : [.movedPreviousAside])
        for failing in steps {
            let parent = try scratchFolder()
            defer { try? FileManager.default.removeItem(at: parent) }
            let target = parent.appendingPathComponent("model")
            try AtomicFile.writeFolder(Self.previous, to: target)
            var seen: [AtomicFolderStep] = []
            let injected = AtomicWriteError(path: target.path, reason: "injected after \(failing)")
            #expect(throws: injected) {
                try AtomicFile.writeFolder(Self.next, to: target, allowingExchange: exchange) {
                    step throws(AtomicWriteError) in
                    seen.append(step)
                    if step == failing { throw injected }
                }
            }
            #expect(seen.last == failing)
            #expect(try contents(target) == Self.dictionary(Self.previous), "failure after \(failing)")
            #expect(try entries(parent) == ["model"], "failure after \(failing)")
        }
    }

    /// A crash (kill -9) after any step leaves the complete previous or the complete new folder at the
    /// target, or, between the two renames of the fallback, the previous one recoverable; the next
    /// write (by another process) removes the leftovers and, if needed, first puts the previous folder back.
    @Test(arguments: [true, false])
    func aCrashAtAnyStepIsRecoveredByTheNextWrite(exchange: Bool) throws {
        let steps: [AtomicFolderStep] =
            [
                .createdTemporaryFolder, .wroteFile("config.json"), .wroteFile("model.safetensors"),
                .wroteAllFiles,
            ] + (exchange ? [] : [.movedPreviousAside]) + [.movedIntoPlace]
        let dead = try deadProcessID()
        for crashing in steps {
            let parent = try scratchFolder()
            defer { try? FileManager.default.removeItem(at: parent) }
            let target = parent.appendingPathComponent("model")
            try AtomicFile.writeFolder(Self.previous, to: target)
            #expect(throws: AtomicWriteError.simulatedCrash) {
                try AtomicFile.writeFolder(Self.next, to: target, allowingExchange: exchange) {
                    step throws(AtomicWriteError) in
                    if step == crashing { throw .simulatedCrash }
                }
            }
            let atTarget = try? contents(target)
            switch crashing {
            case .movedIntoPlace: #expect(atTarget == Self.dictionary(Self.next))
            case .movedPreviousAside: #expect(atTarget == nil)  // the only moment the target is missing
            default: #expect(atTarget == Self.dictionary(Self.previous), "crash after \(crashing)")
            }
            #expect(try entries(parent).count == 2, "one leftover after \(crashing)")
            // Our own leftovers are never touched (we might still be writing them) ...
            try AtomicFile.writeFolder(Self.previous, to: parent.appendingPathComponent("other"))
            #expect(try entries(parent).count == 3)
            // ... a dead process' are. A next write that fails still restores a missing previous folder.
            try attributeLeftovers(in: parent, to: dead)
            #expect(throws: AtomicWriteError.self) {
                try AtomicFile.writeFolder(Self.next, to: target, allowingExchange: true) {
                    step throws(AtomicWriteError) in
                    if step == .wroteAllFiles { throw AtomicWriteError(path: "", reason: "stop") }
                }
            }
            let expected = crashing == .movedIntoPlace ? Self.next : Self.previous
            #expect(try contents(target) == Self.dictionary(expected), "after a crash after \(crashing)")
            #expect(try entries(parent) == ["model", "other"], "after a crash after \(crashing)")
        }
    }

    @Test func aFileOrForeignEntriesWhereTheFolderGoesAreTypedErrors() throws {
        let parent = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        // The target is a file.
        let file = parent.appendingPathComponent("model")
        try Data("not a folder".utf8).write(to: file)
        #expect(
            throws: AtomicWriteError(
                path: file.path, reason: "it exists and is not a folder; expected a folder to save into")
        ) {
            try AtomicFile.writeFolder(Self.next, to: file)
        }
        #expect(try Data(contentsOf: file) == Data("not a folder".utf8))
        // A file is in the way of a parent folder.
        let below = file.appendingPathComponent("inner/model")
        #expect(
            throws: AtomicWriteError(
                path: below.path, reason: "cannot create the folder \(file.path): a file is in the way")
        ) {
            try AtomicFile.writeFolder(Self.next, to: below)
        }
        // The folder holds files the write does not own: they are never deleted.
        let folder = parent.appendingPathComponent("run")
        try AtomicFile.writeFolder(Self.previous, to: folder)
        try Data("keep me".utf8).write(to: folder.appendingPathComponent("training.csv"))
        do {
            try AtomicFile.writeFolder(Self.next, to: folder)
            Issue.record("expected an error")
        } catch {
            #expect(error.path == folder.path)
            #expect(error.reason.hasPrefix("the folder also holds training.csv; it is replaced as a whole"))
        }
        #expect(try contents(folder)["training.csv"] == Data("keep me".utf8))
        #expect(try contents(folder)["config.json"] == Data("old config".utf8))
        // Bad file names.
        #expect(throws: AtomicWriteError.self) { try AtomicFile.writeFolder([("../escape", Data())], to: folder) }
        #expect(throws: AtomicWriteError.self) {
            try AtomicFile.writeFolder([("a", Data()), ("a", Data())], to: folder)
        }
        #expect(try entries(parent) == ["model", "run"])
    }

    @Test func singleFilesRefuseFoldersAndCleanUpAfterDeadWriters() throws {
        let parent = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let folder = parent.appendingPathComponent("log.csv")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        #expect(throws: AtomicWriteError(path: folder.path, reason: "it is a folder; expected a file")) {
            try AtomicFile.write(Data([1]), to: folder)
        }
        let url = parent.appendingPathComponent("weights.safetensors")
        let dead = try deadProcessID()
        let stale = ".weights.safetensors.tmp-\(dead)-1f2e"
        let running = ".weights.safetensors.tmp-\(getpid())-3c"
        let foreign = ".weights.safetensors.tmp-notours"
        for name in [stale, running, foreign] { try Data([9]).write(to: parent.appendingPathComponent(name)) }
        try AtomicFile.write(Data([1, 2]), to: url)
        #expect(try Data(contentsOf: url) == Data([1, 2]))
        #expect(try entries(parent) == [foreign, running, "log.csv", "weights.safetensors"].sorted())
    }
}
