import Foundation
import Layers
import Tensor
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `checkpoint-torture` executable built next to the test bundle, if any.
private let tortureBinary: URL? = {
    var starts = [URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath(), Bundle.main.bundleURL]
    starts += Bundle.allBundles.map(\.bundleURL)
    for start in starts {
        var folder = start.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("checkpoint-torture")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
    }
    return nil
}()

/// `kill -9` during ModelCheckpoint saves (issue 11: a first save killed between `config.json` and the
/// weights left an unloadable folder). A child process trains and checkpoints in a loop; it is killed
/// with SIGKILL at seeded random moments, and the checkpoint must then load, or be absent only if the
/// child never finished a save into it. A final save removes every temporary the kills left.
///
/// `swift test` kills 6 times (a few seconds); `REK_FUZZ_SCALE=10` kills 60 times.
@Suite struct CheckpointTortureTests {
    @Test func checkpointsSurviveKillNine() throws {
        let binary = try #require(
            tortureBinary,
            "checkpoint-torture is not built next to the tests (swift build --product checkpoint-torture)")
        let kills = FuzzBudget.count(6)
        var generator = FuzzBudget.generator(0x6B69_6C6C)
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("rek-torture-\(UUID().uuidString)")
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rek-torture-logs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(at: parent)
            try? FileManager.default.removeItem(at: logs)
        }

        var targets: [URL] = []
        var everSaved: [URL: Bool] = [:]
        var loadable = 0
        var absent = 0
        var unloadable = 0
        var insideSaves = 0
        var completedSaves = 0
        for run in 0..<kills {
            // Every other run starts a fresh checkpoint (the first-save case); the others replace one.
            if run % 2 == 0 { targets.append(parent.appendingPathComponent("checkpoint-\(run)")) }
            let target = targets[targets.count - 1]
            // Microseconds after the child reports "ready": a fresh checkpoint's first save takes a few
            // tens of milliseconds, so those kills mostly land in it; the others anywhere in later saves.
            let delay = UInt32.random(in: 0...(run % 2 == 0 ? 100_000 : 300_000), using: &generator)
            let output = logs.appendingPathComponent("run-\(run).txt")
            #expect(FileManager.default.createFile(atPath: output.path, contents: nil))
            let process = Process()
            process.executableURL = binary
            process.arguments = [target.path, "\(UInt64.random(in: 1...1000, using: &generator))"]
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = process.standardOutput
            try process.run()
            let started = DispatchTime.now().uptimeNanoseconds
            while !((try? String(contentsOf: output, encoding: .utf8)) ?? "").contains("ready\n"), process.isRunning,
                DispatchTime.now().uptimeNanoseconds - started < 20_000_000_000
            {
                usleep(1000)
            }
            usleep(delay)
            let killedAt = DispatchTime.now().uptimeNanoseconds
            _ = kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(Double(DispatchTime.now().uptimeNanoseconds - killedAt) / 1e9 < 5, "the child took over 5 s to die")
            let log = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            #expect(
                process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL,
                "run \(run) ended by itself: \(log)")
            let saves = log.split(separator: "\n").filter { $0.hasPrefix("saved ") }.count
            completedSaves += saves
            everSaved[target] = (everSaved[target] ?? false) || saves > 0
            // A temporary named with the child's process id: the kill landed inside a save.
            let own = "-\(process.processIdentifier)-"
            if try FileManager.default.contentsOfDirectory(atPath: parent.path).contains(where: {
                $0.hasPrefix(".") && $0.contains(own)
            }) {
                insideSaves += 1
            }

            if FileManager.default.fileExists(atPath: target.path) {
                do {
                    let model = try Sequential.load(from: target)
                    #expect(model.layers.count == 4)
                    loadable += 1
                } catch {
                    unloadable += 1
                    Issue.record(
                        "run \(run), killed \(delay / 1000) ms after it was ready: \(target.lastPathComponent) does not load: \(error)"
                    )
                }
            } else {
                absent += 1
                #expect(
                    !(everSaved[target] ?? false),
                    "run \(run): \(target.lastPathComponent) vanished after a completed save")
            }
        }

        // A following successful save (by another process: this one) removes every temporary.
        let model = try Sequential(inputShape: [32], seed: 7) {
            Dense(units: 16, activation: .relu)
            Dense(units: 8, activation: .relu)
            Dense(units: 16, activation: .relu)
            Dense(units: 32)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: parent.path).filter { $0.hasPrefix(".") }
            .count
        for target in targets { try model.save(to: target) }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: parent.path).sorted()
                == targets.map(\.lastPathComponent).sorted())
        for target in targets { #expect(try Sequential.load(from: target).parameterCount == model.parameterCount) }

        print(
            "checkpoint torture: \(kills) kills (seed \(FuzzBudget.seed)), \(insideSaves) inside a save, \(completedSaves) saves "
                + "completed; after the kills \(loadable) checkpoints loaded, \(absent) absent (killed before the first save), "
                + "\(unloadable) unloadable; \(leftovers) temporaries left, 0 after the next save")
        #expect(unloadable == 0)
    }
}
