import ExampleSupport
import Foundation

// The paper-mill sheet-break experiment: an autoencoder trained on normal operation flags the minutes
// before a sheet break. `swift run -c release sheet-break --help` lists the options; the option table
// and its checks are `SheetBreakExperiment.commandLine` and `SheetBreakExperiment.parse(_:)`.
// `sheet-break --replay --help` lists the options of the time-ordered replay (`SheetBreakReplay`).

if CommandLine.arguments.dropFirst().contains("--replay") {
    let replay = SheetBreakReplay.parseOrExit()
    CommandLineOptions.runOrExit {
        let result = try replay.run()
        Console.line(
            String(
                format: "training %.1f s, replay %.2f s (%d rows)", result.seconds.training, result.seconds.replay,
                result.replayedRows))
    }
} else {
    let experiment = SheetBreakExperiment.parseOrExit()
    CommandLineOptions.runOrExit {
        let result = try experiment.run()
        if !result.history.epochs.isEmpty {  // nothing trained with --keras
            Console.line(
                String(format: "%.3f s per epoch, %d epochs", result.secondsPerEpoch, result.history.epochs.count))
        }
    }
}
