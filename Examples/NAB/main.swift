import ExampleSupport
import Foundation

// The Numenta Anomaly Benchmark: a dense autoencoder per series learns from NAB's probation period, a
// streaming monitor scores every row online (the newest row's reconstruction error through an anomaly
// likelihood, quiet for 100 rows after a detection), and NAB's scorer picks one threshold per profile over
// the corpus. `swift run -c release nab --help` lists the options; the option table and its checks are
// `NABExperiment.commandLine` and `NABExperiment.parse(_:)`.
//
//     swift run -c release nab --data ../shared/data/nab --output nab-results

let experiment = NABExperiment.parseOrExit()
CommandLineOptions.runOrExit {
    let result = try experiment.run()
    Console.line(
        String(
            format: "%d series, %d rows: training %.1f s, online scoring %.1f s (%.1f µs per row)",
            result.detections.count, result.rows, result.trainingSeconds, result.scoringSeconds,
            1e6 * result.scoringSeconds / Double(max(result.rows, 1))))
}
