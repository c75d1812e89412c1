import Foundation
import Preprocessing
import Tensor
import Testing

@Suite struct CSVTests {
    @Test func readsHeaderNumbersAndTextWithCRLFAndNoFinalNewline() throws {
        let table = try Table(csv: "time,y,x1\r\n5/1/99 0:00,0,1.5\r\n5/1/99 0:02,1,-2.25e-3")
        #expect(table.columnNames == ["time", "y", "x1"])
        #expect(table.rowCount == 2)
        #expect(try table.numbers("x1") == [1.5, -2.25e-3])
        #expect(try table.strings("time") == ["5/1/99 0:00", "5/1/99 0:02"])
    }

    @Test func readsQuotedFieldsWithDelimitersQuotesAndLineBreaks() throws {
        let table = try Table(
            csv: "name;value\n\"a; b\";1\n\"say \"\"hi\"\"\";2\n\"two\nlines\";3\n",
            format: CSVFormat(delimiter: ";"))
        #expect(try table.strings("name") == ["a; b", "say \"hi\"", "two\nlines"])
        #expect(try table.numbers("value") == [1, 2, 3])
    }

    @Test func namesColumnsLikePandasWithoutHeader() throws {
        let table = try Table(csv: "1,2,0\n3,4,1", format: CSVFormat(hasHeader: false), types: .allNumeric)
        #expect(table.columnNames == ["0", "1", "2"])
        #expect(try table.tensor() == Tensor(rows: [[1, 2, 0], [3, 4, 1]]))
    }

    @Test func raggedRowNamesFileLineAndColumn() {
        #expect(throws: CSVError.raggedRow(CSVLocation(file: "<string>", line: 3, column: 3), expected: 3, found: 2)) {
            try Table(csv: "a,b,c\n1,2,3\n4,5\n")
        }
    }

    @Test func nonNumericCellInANumericColumnThrowsWithItsLocation() {
        #expect(
            throws: CSVError.notANumber(CSVLocation(file: "data.csv", line: 3, column: 2), columnName: "x", text: "n/a")
        ) {
            try Table(csv: "t,x\nA,1\nB,n/a\n", types: .numeric(except: ["t"]), source: "data.csv")
        }
        #expect(
            throws: CSVError.notANumber(CSVLocation(file: "<string>", line: 1, column: 1), columnName: "0", text: "")
        ) {
            try Table(csv: ",1\n", format: CSVFormat(hasHeader: false), types: .allNumeric)
        }
    }

    @Test func inferredTextColumnRemembersItsFirstNonNumericCell() throws {
        let table = try Table(csv: "x\n1\n0x1F\n", source: "f.csv")
        #expect(
            throws: PreprocessingError.notNumeric(
                column: "x", firstBadCell: CSVLocation(file: "f.csv", line: 3, column: 1), text: "0x1F")
        ) {
            try table.tensor()
        }
    }

    @Test func badFilesGiveTypedErrors() throws {
        #expect(throws: CSVError.emptyFile(path: "<string>")) { try Table(csv: "") }
        #expect(throws: CSVError.missingColumnName(CSVLocation(file: "<string>", line: 1, column: 2))) {
            try Table(csv: "a,,c\n1,2,3")
        }
        #expect(
            throws: CSVError.duplicateColumnName("a", CSVLocation(file: "<string>", line: 1, column: 2), firstColumn: 1)
        ) { try Table(csv: "a,a\n1,2") }
        #expect(throws: CSVError.unterminatedQuote(CSVLocation(file: "<string>", line: 2, column: 1))) {
            try Table(csv: "a\n\"open\n")
        }
        #expect(throws: CSVError.invalidDelimiter("\"")) { try Table(csv: "a", format: CSVFormat(delimiter: "\"")) }
        let missing = URL(fileURLWithPath: "/nonexistent/data.csv")
        #expect {
            try Table(contentsOfCSV: missing)
        } throws: { error in
            guard case let .unreadableFile(path, _)? = error as? CSVError else { return false }
            return path == "/nonexistent/data.csv"
        }
    }

    @Test func dropAndSelectByNameRejectUnknownNames() throws {
        let table = try Table(csv: "time,y,x1,x2\na,0,1,2\n")
        #expect(try table.dropping(["time", "x2"]).columnNames == ["y", "x1"])
        #expect(try table.selecting(["x2", "y"]).tensor() == Tensor(rows: [[2, 0]]))
        #expect(throws: PreprocessingError.unknownColumn("x9", available: ["time", "y", "x1", "x2"])) {
            try table.dropping(["x9"])
        }
    }
}
