import Foundation
import Testing

/// README's "A session" is `make demo` as it printed: every command it shows is what the demo
/// runs, in order, and every line it shows is one the demo prints (ids, keys, hashes, paths,
/// ports, numbers and times aside). A change of output that leaves the README stale fails here.
@Suite struct ReadmeSessionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Hex runs, temporary folders, digits and times made alike, so two runs compare; and the
    /// two concurrent comments, whose order follows the random keys of each run.
    static func normalised(_ line: String) -> String {
        var s = line
        for edit in ["Moscow ordered it, under the CSTO treaty.", "Tokayev asked for it; Moscow obliged."] {
            s = s.replacingOccurrences(of: edit, with: "EDIT")
        }
        for (pattern, with) in [(#"/tmp/gloss-demo\.[A-Za-z0-9]+"#, "TMP"), (#"[0-9a-f]{8,64}"#, "H"),
                                (#"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+\d{4}"#, "TIME"), (#"\d+(\.\d+)?"#, "N")] {
            s = s.replacingOccurrences(of: pattern, with: with, options: .regularExpression)
        }
        return s.trimmingCharacters(in: .whitespaces)
    }

    @Test func theReadmeSessionIsWhatTheDemoRuns() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let session = try #require(readme.components(separatedBy: "## A session").dropFirst().first)
        let block = try #require(session.components(separatedBy: "```text\n").dropFirst().first?.components(separatedBy: "```").first)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [Self.root.appendingPathComponent(".ci/demo").path, GlossRunner.binary]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "make demo failed")
        let demo = String(decoding: data, as: UTF8.self)
        func commands(_ text: String) -> [String] {
            text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("alice$ gloss") || $0.hasPrefix("bob$ gloss") }.map(Self.normalised)
        }
        #expect(commands(block) == commands(demo), "README's session runs other commands than make demo: run make demo and paste its output")
        let printed = Set(demo.split(separator: "\n").map { Self.normalised(String($0)) })
        let stale = block.split(separator: "\n").map(String.init).filter { !$0.isEmpty && !printed.contains(Self.normalised($0)) }
        #expect(stale.isEmpty, "README shows lines make demo no longer prints (run make demo and paste its output):\n\(stale.joined(separator: "\n"))")
    }
}
