import ExampleSupport
import Foundation

// Live monitoring: runs a saved detector (`sheet-break`/`ecg` write one to <output>/detector) on rows
// arriving on standard input and writes one JSON line per row. `swift run -c release monitor --help`
// lists the options; the option table and its checks are `MonitorProgram.commandLine` and `.parse(_:)`.
//
//     tail -f sensors.csv | swift run -c release monitor --detector runs/sheet-break/detector --time-column time

let program = MonitorProgram.parseOrExit()
CommandLineOptions.runOrExit {
    _ = try program.runOnStandardStreams()
}
