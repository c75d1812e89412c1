import Foundation
import Preprocessing
import Tensor
import Testing

/// Regression tests for issue 11: inputs that crashed, hung or were read as silent garbage.
@Suite struct CSVReliabilityTests {
    private func location(_ line: Int, _ column: Int, _ file: String = "<string>") -> CSVLocation {
        CSVLocation(file: file, line: line, column: column)
    }

    private func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    // MARK: Files that are not regular files

    @Test func aDirectoryIsATypedErrorNotACrash() throws {
        let directory = FileManager.default.temporaryDirectory
        #expect {
            try Table(contentsOfCSV: directory)
        } throws: { error in
            guard case let .unreadableFile(path, reason)? = error as? CSVError else { return false }
            return path == directory.path && reason.contains("is a directory")
        }
    }

    @Test func aDeviceIsATypedErrorNotAnEmptyTable() {
        #expect {
            try Table(contentsOfCSV: URL(fileURLWithPath: "/dev/null"))
        } throws: { error in
            guard case let .unreadableFile(path, reason)? = error as? CSVError else { return false }
            return path == "/dev/null" && reason.contains("not a regular file")
        }
    }

    @Test func aRegularFileStillReads() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rek-csv-\(UUID().uuidString).csv")
        try Data("\u{FEFF}a,b\r\n1,2\r\n".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let table = try Table(contentsOfCSV: url)
        #expect(table.columnNames == ["a", "b"])
        #expect(try table.tensor() == Tensor(rows: [[1, 2]]))
    }

    // MARK: Many columns

    @Test func duplicateHeaderCheckIsLinearAndNamesBothColumns() throws {
        let names = (0..<50_000).map { "c\($0)" }
        let header = (names + ["c7"]).joined(separator: ",")
        var caught: CSVError?
        let time = seconds {
            do { _ = try Table(csv: header + "\n") } catch { caught = error as? CSVError }
        }
        #expect(caught == .duplicateColumnName("c7", location(1, 50_001), firstColumn: 8))
        #expect(caught?.description == "<string>:1:50001: the column name 'c7' appears twice, in columns 8 and 50001")
        #expect(time < 1.5, "50,000 header cells took \(time) s")
    }

    @Test func wideTablesSelectDropAndConvertInLinearTime() throws {
        let width = 20_000
        let text =
            (0..<width).map { "c\($0)" }.joined(separator: ",") + "\n"
            + (0..<width).map { "\($0)" }.joined(separator: ",") + "\n"
        var table = try Table(csv: text)
        let time = seconds {
            table = (try? table.dropping(["c0"]).selecting(Array(table.columnNames.dropFirst().reversed()))) ?? table
            _ = try? table.tensor()
        }
        #expect(table.columnNames.first == "c\(width - 1)")
        #expect(try table.tensor().shape == [1, width - 1])
        #expect(try table.numbers("c1") == [1])
        #expect(time < 1.5, "selecting 20,000 columns took \(time) s")
    }

    // MARK: Blank lines and empty files

    @Test func emptyLinesAreSkippedEverywhereAndStillCounted() throws {
        let table = try Table(csv: "\na,b\n\r\n1,2\n\n\r3,4\r\r\n\n")
        #expect(table.columnNames == ["a", "b"])
        #expect(try table.numbers("a") == [1, 3])
        #expect(try table.numbers("b") == [2, 4])
        // Line numbers count the skipped lines and each kind of line end (LF, CRLF, lone CR) once.
        #expect(throws: CSVError.raggedRow(location(6, 3), expected: 2, found: 3)) {
            try Table(csv: "\r\na,b\n\n1,2\r\r5,6,7\n")
        }
        let noHeader = try Table(csv: "\n\n1\n\n2\n", format: CSVFormat(hasHeader: false))
        #expect(try noHeader.numbers("0") == [1, 2])
    }

    @Test func onlyEmptyLinesIsAnEmptyFileAndAHeaderAloneIsAZeroRowTable() throws {
        for text in ["", "\n", "\r\n\r\n", "\r", "\u{FEFF}", "\u{FEFF}\n\n"] {
            #expect(throws: CSVError.emptyFile(path: "<string>")) { try Table(csv: text) }
            #expect(throws: CSVError.emptyFile(path: "<string>")) {
                try Table(csv: text, format: CSVFormat(hasHeader: false))
            }
        }
        let headerOnly = try Table(csv: "a,b\n\n", types: .allNumeric)
        #expect(headerOnly.columnNames == ["a", "b"])
        #expect(headerOnly.rowCount == 0)
        #expect(try headerOnly.numbers("a") == [])
        #expect(try headerOnly.tensor().shape == [0, 2])
        #expect(
            CSVError.emptyFile(path: "d.csv").description
                == "d.csv: the file has no rows (it is empty or holds only empty lines)")
    }

    @Test func aLineOfSpacesIsARowNotABlankLine() throws {
        #expect(throws: CSVError.raggedRow(location(3, 2), expected: 2, found: 1)) { try Table(csv: "a,b\n1,2\n  \n") }
        #expect(try Table(csv: "a\n1\n \n").strings("a") == ["1", " "])
    }

    // MARK: Quotes

    @Test func textAfterAClosingQuoteIsAnError() throws {
        #expect(throws: CSVError.textAfterClosingQuote(location(2, 1), found: "junk")) {
            try Table(csv: "x\n\"0.5\"junk\n")
        }
        #expect(throws: CSVError.textAfterClosingQuote(location(3, 2), found: " ")) {
            try Table(csv: "x,y\n1,\"two\nlines\" ,3\n")
        }
        #expect(
            CSVError.textAfterClosingQuote(location(2, 1), found: "junk").description
                == "<string>:2:1: expected a delimiter or a line end after the closing quote, found 'junk'")
        // What is allowed after a closing quote: a delimiter, any line end, the end of the data.
        let table = try Table(csv: "x,y\n\"0.5\",\"a\"\r\n\"1\",\"b\"\r\"2\",\"\"\"\"")
        #expect(try table.numbers("x") == [0.5, 1, 2])
        #expect(try table.strings("y") == ["a", "b", "\""])
        // A quote inside an unquoted field is an ordinary character.
        #expect(try Table(csv: "x\nab\"c\n").strings("x") == ["ab\"c"])
    }

    // MARK: Numbers

    @Test func onlySpacesAndTabsMayPadANumber() throws {
        let padded = try Table(csv: "x\n 5\t\n\t-2.5 \n\" 7 \"\n")
        #expect(try padded.numbers("x") == [5, -2.5, 7])
        for (cell, shown) in [
            ("\u{0B}5", "<U+000B>5"), ("\u{0C}5", "<U+000C>5"), ("5\u{0B}", "5<U+000B>"),
            ("\u{A0}5", "<U+00A0>5"), ("\u{FEFF}5", "<U+FEFF>5"), ("\u{0}5", "<U+0000>5"),
        ] {
            let expected = CSVError.notANumber(location(2, 1), columnName: "x", text: cell)
            #expect(throws: expected) { try Table(csv: "x\n\(cell)\n", types: .allNumeric) }
            #expect(expected.description == "<string>:2:1: expected a number in column 'x', found '\(shown)'")
            // Inferred: the column is text, and asking for numbers names the cell.
            let inferred = try Table(csv: "x\n1\n\(cell)\n")
            #expect(try inferred.strings("x") == ["1", cell])
            #expect(throws: PreprocessingError.notNumeric(column: "x", firstBadCell: location(3, 1), text: cell)) {
                try inferred.tensor()
            }
        }
    }

    @Test func theNumberGrammarIsStrict() throws {
        let accepted: [(String, Double)] = [
            ("1", 1), ("-2.5", -2.5), ("+.5", 0.5), ("3.", 3), ("1e-3", 1e-3),
            ("2E+08", 2e8), ("007", 7), ("-0", -0.0), ("1e-400", 0),
            ("3.4028235e38", 3.4028235e38), ("-Infinity", -.infinity), ("INF", .infinity),
        ]
        for (cell, value) in accepted {
            let numbers = try Table(csv: "x\n\(cell)\n", types: .allNumeric).numbers("x")
            #expect(numbers == [value], "\(cell)")
        }
        for cell in ["nan", "NaN", "-nan", "+NAN"] {
            #expect(try Table(csv: "x\n\(cell)\n", types: .allNumeric).numbers("x").first?.isNaN == true, "\(cell)")
        }
        for cell in [
            "0x1F", "1_000", "1e", "e5", ".", "-", "+-1", "1.2.3", "1e5.5", "nan(1)", "infinit", "infinityy",
            "5f", "1,5", "١", "5 5", "--5", "\"\"", "1e+", "in f",
        ] {
            #expect(throws: CSVError.notANumber(location(2, 1), columnName: "x", text: cell)) {
                try Table(csv: "x\n\"\(cell.replacingOccurrences(of: "\"", with: "\"\""))\"\n", types: .allNumeric)
            }
        }
    }

    @Test func aFiniteNumberBeyondFloatIsAnErrorNotInfinity() throws {
        for cell in ["1e39", "-3.5e38", "1e999", "3.4028236e38", "1" + String(repeating: "0", count: 400)] {
            let expected = CSVError.numberOutOfRange(location(3, 2), columnName: "x", text: cell)
            #expect(throws: expected) { try Table(csv: "t,x\na,1\nb,\(cell)\n") }
            #expect(throws: expected) { try Table(csv: "t,x\na,1\nb,\(cell)\n", types: .numeric(except: ["t"])) }
        }
        #expect(
            CSVError.numberOutOfRange(location(3, 2), columnName: "x", text: "1e39").description
                == "<string>:3:2: the number '1e39' in column 'x' is out of Float range (magnitude above 3.4028235e+38)"
        )
        // An inferred column that also holds text is text: the big number is just a cell.
        #expect(try Table(csv: "x\n1e39\nabc\n").strings("x") == ["1e39", "abc"])
        // Required numeric: the first problem in row order is reported.
        #expect(throws: CSVError.notANumber(location(2, 1), columnName: "x", text: "abc")) {
            try Table(csv: "x\nabc\n1e39\n", types: .allNumeric)
        }
        // A text column named in `except` keeps it as text.
        #expect(try Table(csv: "x\n1e39\n", types: .numeric(except: ["x"])).strings("x") == ["1e39"])
        // Tables built in code: tensor() refuses to turn a finite Double into Float infinity.
        let built = try Table(columns: ["x": .numbers([1, 1e39])])
        #expect(throws: PreprocessingError.invalidArgument("column 'x' row 1 holds 1e+39, outside the Float range")) {
            try built.tensor()
        }
    }

    @Test func aDelimiterThatCouldContinueANumberDoesNot() throws {
        let byE = try Table(csv: "1e5\n2e-3\n", format: CSVFormat(delimiter: "e", hasHeader: false), types: .allNumeric)
        #expect(try byE.tensor() == Tensor(rows: [[1, 5], [2, -3]]))
        let byDigit = try Table(csv: "15.5\n", format: CSVFormat(delimiter: "5", hasHeader: false))
        #expect(byDigit.columnNames == ["0", "1", "2"])
        #expect(try byDigit.numbers("0") == [1])
        #expect(try byDigit.strings("1") == ["."])
    }

    // MARK: Byte-order marks and invisible characters in messages

    @Test func aLeadingByteOrderMarkIsSkippedAndOtherOnesAreShownInMessages() throws {
        let table = try Table(csv: "\u{FEFF}time,x\nA,1\n")
        #expect(table.columnNames == ["time", "x"])
        // Only at the very start: after an empty line it is part of the header name.
        let late = try Table(csv: "\n\u{FEFF}time,x\nA,1\n")
        #expect(late.columnNames == ["\u{FEFF}time", "x"])
        let error = PreprocessingError.unknownColumn("time", available: late.columnNames)
        #expect(error.description == "no column named 'time'; the columns are <U+FEFF>time, x")
        let duplicate = CSVError.duplicateColumnName("a\tb\u{200B}", location(1, 3, "f\u{7}.csv"), firstColumn: 1)
        #expect(
            duplicate.description
                == "f<U+0007>.csv:1:3: the column name 'a<U+0009>b<U+200B>' appears twice, in columns 1 and 3")
        #expect(CSVError.invalidDelimiter("\u{0}").description == "'<U+0000>' cannot be a CSV delimiter")
    }

    @Test func longTextsAndColumnListsAreCutShortInMessages() {
        let cell = String(repeating: "x", count: 10_000)
        let description = CSVError.notANumber(location(2, 1), columnName: "c", text: cell).description
        #expect(description.count < 250)
        #expect(description.hasSuffix("… (10000 characters in all)'"))
        let names = (0..<141).map { "\($0)" }
        #expect(
            PreprocessingError.unknownColumn("y", available: names).description
                == "no column named 'y'; the 141 columns are 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, …")
    }

    @Test func invalidUTF8IsATypedError() {
        #expect(throws: CSVError.invalidEncoding(location(2, 2, "<data>"))) {
            try Table(csv: Data([0x61, 0x2C, 0x62, 0x0A, 0x31, 0x2C, 0xFF, 0x0A]))
        }
        #expect(throws: CSVError.invalidEncoding(location(1, 1, "<data>"))) {
            try Table(csv: Data([0xC3, 0x0A, 0x31]))
        }
    }

    @Test func idxFilesRefuseDirectoriesAndDevicesToo() {
        let directory = FileManager.default.temporaryDirectory
        #expect(
            throws: IDXError.unreadableFile(path: directory.path, reason: "it is a directory, expected a regular file")
        ) {
            try IDXFile(contentsOf: directory)
        }
        #expect(
            throws: IDXError.unreadableFile(
                path: "/dev/zero", reason: "it is not a regular file (a device, pipe or socket)")
        ) {
            try IDXFile(contentsOf: URL(fileURLWithPath: "/dev/zero"))
        }
    }
}
